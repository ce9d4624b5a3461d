"""What an applied event does beyond its own order, inside the applier's transaction.

A slice that changed re-makes its parent (slices.aggregate). A basket's first leg that
traded releases the client's held legs, which go out now; one that ended without a fill
stops them: they are denied naming the first leg and its reason, never
sent (baskets.py decides which). The commands and events come back to the applier, which
publishes them after its commit, as it does the updates.
"""

from dataclasses import dataclass, field

from common.contracts.envelope import Message
from common.contracts.order_events import OrderEvent
from common.db import Executor

from order_router import store_orders
from order_router.baskets import first_leg_outcome, halted, released, stopped
from order_router.messages import denied_event, place_command, submitted_event, updated_event
from order_router.orders import Order
from order_router.risk import KillSwitch
from order_router.slices import aggregate, is_sent


@dataclass
class FollowOn:
    orders: list[Order] = field(default_factory=list)
    commands: list[Message] = field(default_factory=list)
    events: list[Message] = field(default_factory=list)
    updates: list[Message] = field(default_factory=list)


async def follow_on(
    conn: Executor,
    changed: dict[str, Order],
    causes: dict[str, OrderEvent],
    kill_switch: KillSwitch,
) -> FollowOn:
    """Parents of changed slices and basket legs held for changed first legs. `changed` and
    `causes` (order id -> the event that changed it) gain the parents; `orders` holds the
    legs released, stopped, or denied by a kill switch engaged since the basket came."""
    out = FollowOn()
    parent_ids = {o.parent_order_id for o in changed.values() if o.parent_order_id}
    if parent_ids:
        parents = await store_orders.orders_by_id(conn, parent_ids, for_update=True)
        family = await store_orders.slices_of(conn, parent_ids)
        for pid, parent in parents.items():
            pieces = [changed.get(s.order_id, s) for s in family.get(pid, [])]
            made = aggregate(parent, pieces)
            if made is not parent:
                cause = next(causes[s.order_id] for s in pieces if s.order_id in causes)
                changed[pid] = made
                causes[pid] = cause
                out.updates.append(updated_event(made, cause))
    decided = {
        o.order_id: outcome
        for o in changed.values()
        if o.parent_order_id is None and (outcome := first_leg_outcome(o)) is not None
    }
    if decided:
        for held in await store_orders.waiting_on(conn, decided):
            first = changed[held.waits_for or ""]
            cause = causes[first.order_id]
            halt = kill_switch.reason_for(held.client_id)
            if decided[first.order_id] and halt is not None:
                order = halted(held, halt)
                if order.parent_order_id is None:
                    denial = denied_event(order, cause)
                    out.events.append(denial)
                    out.updates.append(updated_event(order, denial))
            elif decided[first.order_id]:
                order = released(held)
                if is_sent(order):
                    out.commands.append(place_command(order, cause))
                    out.events.append(submitted_event(order, cause))
                if order.parent_order_id is None:
                    out.updates.append(updated_event(order, submitted_event(order, cause)))
            else:
                order = stopped(held, first)
                if order.parent_order_id is None:
                    denial = denied_event(order, cause)
                    out.events.append(denial)
                    out.updates.append(updated_event(order, denial))
            out.orders.append(order)
    return out
