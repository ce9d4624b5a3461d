"""Basket legs, pure (no I/O): which of a client's legs wait for its first, and what the
first leg's outcome does to them.

A basket's legs arrive in the order they go out for every client (the gateway puts the
margin-reducing ones, such as the hedge buy of a spread, first). Each client's first leg is
sent at once; with `stop_on_first_leg_rejection` (the default) the client's other legs are
held (PENDING, risk already passed, `waits_for` naming the first leg) until the first leg
trades (its first fill: a hedge reduces margin once it is a position, and Motilal can still
reject an order after acknowledging it) and are then sent; if the first leg ends with
nothing filled (rejected by the broker or the exchange, canceled, expired, or denied by our
own risk) they are denied, rule `basket_first_leg`, with the first leg's reason. Without
the setting every leg goes out at once, in order.
"""

import json
from collections.abc import Sequence
from dataclasses import replace
from typing import Any

from common.contracts.requests import BasketRequested
from common.enums import OrderStatus as S

from order_router.orders import Order
from order_router.risk import Rule
from order_router.transitions import Ev

FIRST_LEG_RULE = "basket_first_leg"
ENDED = frozenset({S.REJECTED, S.DENIED, S.CANCELED, S.EXPIRED})


def number_legs(legs: Sequence[Sequence[Order]], wait: bool) -> dict[str, tuple[int, str | None]]:
    """Order id -> (its leg number for its client, the first leg it waits for or None).
    `legs` is each leg's orders, legs in sending order; a client absent from a leg (no
    quantity there) skips it, so its legs are numbered 1.. without gaps."""
    count: dict[str, int] = {}
    first: dict[str, str] = {}
    out: dict[str, tuple[int, str | None]] = {}
    for orders in legs:
        for order in orders:
            n = count[order.client_id] = count.get(order.client_id, 0) + 1
            if n == 1:
                first[order.client_id] = order.order_id
                out[order.order_id] = (1, None)
            else:
                out[order.order_id] = (n, first[order.client_id] if wait else None)
    return out


def hold(order: Order, first: Order) -> Order:
    """A later leg that waits for the client's first leg, as risk decided it: denied stays
    denied; approved it is held (PENDING: not submitted until the first leg is taken), or
    stopped at once when risk denied the first leg."""
    if order.status is not S.SUBMITTED:
        return order
    pending = replace(order, status=S.PENDING)  # approved, not yet sent: the first leg decides
    return stopped(pending, first) if first.status is S.DENIED else pending


def first_leg_outcome(order: Order) -> bool | None:
    """For a basket's first leg: True once it traded, False once it ended with nothing
    filled, None while neither (or for any other order)."""
    if order.leg != 1:
        return None
    if order.filled_quantity > 0:
        return True
    if order.status in ENDED:
        return False
    return None


def released(held: Order) -> Order:
    """A held leg whose first leg traded: it goes out now."""
    return held.to(Ev.SUBMIT)


def halted(held: Order, reason: str) -> Order:
    """A held leg whose first leg traded while a kill switch stops the client: denied, as
    a new order would be (risk's check ran when the basket came, not now)."""
    return held.to(Ev.DENY, rule=Rule.KILL_SWITCH, reason=f"not sent: {reason}")


def stopped(held: Order, first: Order) -> Order:
    """A held leg whose first leg failed: denied, naming the first leg and why."""
    why = f": {first.reason}" if first.reason else ""
    return held.to(
        Ev.DENY,
        rule=FIRST_LEG_RULE,
        reason=f"not sent: the client's first basket leg ({first.instrument.symbol} "
        f"{first.side or ''}, order {first.order_id}) ended {first.status}{why}",
    )


def basket_json(m: BasketRequested) -> str:
    """What the batch row keeps of a basket: its legs as asked and the stop setting."""
    return json.dumps(
        {
            "legs": [
                {"leg": n, **leg.terms.model_dump(mode="json", exclude_none=True),
                 "clients": len(leg.orders)}
                for n, leg in enumerate(m.legs, start=1)
            ],
            "stop_on_first_leg_rejection": m.stop_on_first_leg_rejection,
        }
    )  # fmt: skip


def basket_view(kept: dict[str, Any], orders: Sequence[Order]) -> dict[str, Any]:
    """The batch view's basket part: the legs, the setting, and each client whose later
    legs were not sent because its first leg failed (which leg, and why)."""
    stopped_clients = []
    by_client: dict[str, list[Order]] = {}
    for order in orders:
        by_client.setdefault(order.client_id, []).append(order)
    for client, legs in sorted(by_client.items()):
        held_back = [o for o in legs if o.rule == FIRST_LEG_RULE]
        if held_back:
            first = min(legs, key=lambda o: o.leg or 0)
            stopped_clients.append(
                {
                    "client_id": client,
                    "first_leg_order_id": first.order_id,
                    "first_leg_status": first.status.value,
                    "first_leg_reason": first.reason,
                    "legs_not_sent": sorted(o.leg or 0 for o in held_back),
                }
            )
    return {
        "legs": kept.get("legs", []),
        "stop_on_first_leg_rejection": kept.get("stop_on_first_leg_rejection", True),
        "stopped": stopped_clients,
    }
