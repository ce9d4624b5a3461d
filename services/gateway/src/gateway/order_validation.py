"""Validation of a whole order request before anything is published (DESIGN invariant 7).

Pure: the caller fetched the clients and the instrument. Every problem is reported, one
entry per bad field, in FastAPI's 422 shape; an empty list means the request may go.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from common.contracts.instruments import Instrument
from common.enums import ExecutionType, OrderType
from common.problems import problem

from gateway.clients.store_clients import ClientRecord

BODY = "body"


@dataclass(frozen=True)
class Prices:
    """Price fields with 0 read as 'not given' (the dashboard sends 0 for MARKET)."""

    price: Decimal | None
    trigger_price: Decimal | None


def normalised_prices(price: Decimal | None, trigger: Decimal | None) -> Prices:
    return Prices(price or None, trigger or None)


def check_terms(
    order_type: OrderType, prices: Prices, instrument: Instrument | None
) -> list[dict[str, Any]]:
    """Price and trigger present where the order type needs them, and on the tick."""
    problems = []
    needs_price = order_type in (OrderType.LIMIT, OrderType.STOPLOSS)
    needs_trigger = order_type in (OrderType.STOPLOSS, OrderType.STOPLOSS_MARKET)
    if needs_price and prices.price is None:
        problems.append(problem([BODY, "price"], f"price is required for a {order_type} order"))
    if not needs_price and prices.price is not None:
        problems.append(
            problem([BODY, "price"], f"price is not used by a {order_type} order; leave it out")
        )
    if needs_trigger and prices.trigger_price is None:
        problems.append(
            problem([BODY, "trigger_price"], f"trigger_price is required for a {order_type} order")
        )
    if not needs_trigger and prices.trigger_price is not None:
        problems.append(
            problem(
                [BODY, "trigger_price"],
                f"trigger_price is not used by a {order_type} order; leave it out",
            )
        )
    if instrument is not None:
        for name, value in (("price", prices.price), ("trigger_price", prices.trigger_price)):
            if value is not None and value % instrument.tick_size:
                problems.append(
                    problem(
                        [BODY, name],
                        f"{name} {value} is not a multiple of tick size "
                        f"{instrument.tick_size} for {instrument.symbol}",
                    )
                )
    return problems


def check_client(
    loc: list[Any], client_id: str, clients: Mapping[str, ClientRecord]
) -> list[dict[str, Any]]:
    client = clients.get(client_id)
    if client is None:
        return [problem(loc, f"client {client_id} is not registered")]
    if not client.active:
        return [problem(loc, f"client {client_id} is inactive; activate it before trading")]
    return []


def check_quantity(
    loc: list[Any],
    quantity: int | None,
    execution_type: ExecutionType,
    instrument: Instrument | None,
) -> list[dict[str, Any]]:
    if quantity is None:
        if execution_type is ExecutionType.EXIT:
            return []  # the whole open position
        return [problem(loc, f"quantity is required for a {execution_type} order")]
    if instrument is not None and quantity % instrument.lot_size:
        return [
            problem(
                loc,
                f"quantity {quantity} is not a multiple of lot size {instrument.lot_size} "
                f"for {instrument.symbol}",
            )
        ]
    return []


@dataclass(frozen=True)
class Entry:
    client_id: str
    quantity: int | None


def check_batch(
    entries: Sequence[Entry],
    execution_type: ExecutionType,
    clients: Mapping[str, ClientRecord],
    instrument: Instrument | None,
) -> list[dict[str, Any]]:
    """Every client entry of execute-all: known, active, once, with a lot-multiple quantity."""
    problems: list[dict[str, Any]] = []
    seen: dict[str, int] = {}
    for index, entry in enumerate(entries):
        loc: list[Any] = [BODY, "client_orders", index]
        if entry.client_id in seen:
            problems.append(
                problem(
                    [*loc, "client_id"],
                    f"client {entry.client_id} appears twice (entries {seen[entry.client_id]} "
                    f"and {index}); give each client one quantity",
                )
            )
            continue
        seen[entry.client_id] = index
        if entry.quantity == 0:
            continue  # skipped: not checked, not placed
        problems += check_client([*loc, "client_id"], entry.client_id, clients)
        problems += check_quantity([*loc, "quantity"], entry.quantity, execution_type, instrument)
    if not problems and all(e.quantity == 0 for e in entries):
        problems.append(problem([BODY, "client_orders"], "every quantity is 0: nothing to place"))
    return problems
