"""What a basket places: each leg checked and resolved like an execute-all of its own, and
the order the legs go out in for every client.

Each leg becomes the execute-all body it stands for (the basket's group with the leg's
allocation, or the client list with the leg's quantity) and goes through the same checks
and allocation (order_plan.py); every problem of every leg is reported together, located
under `legs[i]`, and a group or client problem once. Nothing here has an effect.

The sending order (`sending_order`, pure) puts legs that reduce margin before legs that use
it: an option bought (the hedge of a spread, which caps the short leg's risk and so its
margin) first; futures and cash legs next; options sold last. Within each rank the request's
order stands.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from typing import Any

from common.contracts.instruments import Instrument
from common.enums import Exchange, ExecutionType
from common.problems import problem

from gateway.basket_models import BasketIn, BasketLegIn
from gateway.market_data_client import UnknownInstrument
from gateway.order_models import ClientQuantity, ExecuteAllIn, FixedIn
from gateway.order_plan import Plan, Sources, plan
from gateway.order_validation import BODY, Prices, check_terms, normalised_prices

DERIVATIVE_EXCHANGES = frozenset({Exchange.NSEFO, Exchange.BSEFO, Exchange.NSECD, Exchange.MCX})
_TERMS = ("token_id", "exchange", "execution_type", "order_type", "trade_type", "price",
          "trigger_price", "tag", "amo")  # fmt: skip


def is_option(instrument: Instrument) -> bool:
    """An option contract: a derivative whose symbol ends in its right (NIFTY26DEC26000CE),
    as Motilal's scrip master and the token file name them."""
    return instrument.exchange in DERIVATIVE_EXCHANGES and instrument.symbol.endswith(("CE", "PE"))


def margin_rank(side: ExecutionType, instrument: Instrument) -> int:
    """0: a bought option (a hedge); 1: futures and cash, either side; 2: a sold option."""
    if is_option(instrument):
        return 0 if side is ExecutionType.BUY else 2
    return 1


def sending_order(legs: Sequence[tuple[ExecutionType, Instrument]]) -> list[int]:
    """The legs' indexes in the order they go out for each client (stable within a rank)."""
    return sorted(range(len(legs)), key=lambda i: margin_rank(*legs[i]))


@dataclass(frozen=True)
class LegPlan:
    index: int
    leg: BasketLegIn
    instrument: Instrument
    prices: Prices
    plan: Plan


async def basket_plan(
    body: BasketIn, sources: Sources
) -> tuple[list[LegPlan], list[dict[str, Any]]]:
    """Every leg resolved, in sending order, and every problem of the request."""
    problems: list[dict[str, Any]] = []
    planned: list[LegPlan] = []
    for index, leg in enumerate(body.legs):
        here: list[Any] = [BODY, "legs", index]
        try:
            instrument: Instrument | None = await sources.instruments.get(
                leg.token_id, leg.exchange
            )
        except UnknownInstrument as unknown:
            instrument = None
            problems.append(problem([*here, unknown.field], str(unknown)))
        prices = normalised_prices(leg.price, leg.trigger_price)
        problems += [_under(p, here) for p in check_terms(leg.order_type, prices, instrument)]
        if body.client_ids is not None and leg.allocation is not None:
            why = "an allocation needs a group; give a client list's leg a quantity"
            problems.append(problem([*here, "allocation"], why))
            continue
        resolved = await plan(_as_execute_all(body, leg), instrument, prices, sources)
        problems += [_under(p, here, body) for p in resolved.problems]
        if instrument is not None:
            planned.append(LegPlan(index, leg, instrument, prices, resolved))
    unique = _unique(problems)
    if unique:
        return [], unique
    order = sending_order([(p.leg.execution_type, p.instrument) for p in planned])
    return [planned[i] for i in order], []


def _as_execute_all(body: BasketIn, leg: BasketLegIn) -> ExecuteAllIn:
    terms = {name: getattr(leg, name) for name in _TERMS}
    if body.group is not None:
        assert leg.quantity is not None or leg.allocation is not None
        allocation = leg.allocation or FixedIn(mode="fixed", quantity=leg.quantity or 1)
        return ExecuteAllIn(**terms, group=body.group, allocation=allocation)
    assert body.client_ids is not None
    orders = [ClientQuantity(client_id=c, quantity=leg.quantity) for c in body.client_ids]
    return ExecuteAllIn(**terms, client_orders=orders)


def _under(found: dict[str, Any], here: list[Any], body: BasketIn | None = None) -> dict[str, Any]:
    """A leg's problem located in the basket: a group problem at `group`, a client's at
    `client_ids[i]`, the leg's quantity at the leg, the rest under the leg."""
    loc = list(found["loc"])
    rest = loc[1:]
    if rest[:1] == ["group"]:
        return {**found, "loc": [BODY, "group"]}
    if rest[:1] == ["client_orders"] and body is not None and body.client_ids is not None:
        if len(rest) >= 3 and rest[2] == "quantity":
            return {**found, "loc": [*here, "quantity"]}
        if len(rest) >= 2:
            return {**found, "loc": [BODY, "client_ids", rest[1]]}
        return {**found, "loc": [*here, "quantity"]}
    return {**found, "loc": [*here, *rest]}


def _unique(problems: list[dict[str, Any]]) -> list[dict[str, Any]]:
    """A client or group problem found by every leg is reported once."""
    seen: set[tuple[str, str]] = set()
    out = []
    for p in problems:
        key = (repr(p["loc"]), p["msg"])
        if key not in seen:
            seen.add(key)
            out.append(p)
    return out
