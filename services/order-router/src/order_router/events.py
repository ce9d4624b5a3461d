"""Applies the adapter's order events (orders.events.v1) to the orders, idempotently.

A Kafka batch is applied in one transaction of three statements, whatever its size: one
claims the event ids and fills (event ids already applied are skipped, fills already
recorded with the same `Fill.trade_key` are skipped: client, exchange, trading date and
broker trade number, as trade numbers restart every session), one reads and locks
the orders named, and after each remaining event has moved its order through the
transition table in memory, one UPDATE ... FROM unnest writes every changed order. A
transition the table refuses is logged and not applied; the event still counts as seen,
so it is not retried forever.

Within the same transaction settle.py makes what follows from the changes: a slice's parent
re-made from its slices, a basket's held legs released or stopped by the client's first leg.

Once committed, each applied event's resulting order goes out on orders.updates.v1 (a
slice's as its parent's), with the commands and events of released or stopped legs: the
status there is the table's, so no reader has to derive it from the event. (A crash
between the commit and that publish loses those updates; the read API stays exact.)
"""

import logging
from collections.abc import Callable, Sequence
from datetime import date, datetime

import asyncpg
from common.contracts.envelope import Message
from common.contracts.order_events import Fill, OrderEvent
from common.kafka import Publisher
from common.logs import bound
from common.topics import ORDER_COMMANDS, ORDER_EVENTS, ORDER_UPDATES

from order_router import store_applied, store_margin_holds, store_orders
from order_router.messages import updated_event
from order_router.orders import EVENT_KINDS, Order, apply_event
from order_router.risk import KillSwitch
from order_router.settle import follow_on
from order_router.store_margin_holds import UNACKNOWLEDGED
from order_router.transitions import IllegalTransition

log = logging.getLogger(__name__)


class EventApplier:
    def __init__(
        self, pool: asyncpg.Pool, publisher: Publisher, kill_switch: Callable[[], KillSwitch]
    ) -> None:
        self.pool = pool
        self.publisher = publisher
        self.kill_switch = kill_switch
        """The engaged kill switches now: a basket's held legs are checked when released."""

    async def handle(self, messages: Sequence[Message]) -> None:
        events = _unique([m for m in messages if isinstance(m, OrderEvent)])
        events = [e for e in events if e.type in EVENT_KINDS]
        if not events:
            return
        async with self.pool.acquire() as conn, conn.transaction():
            fills = [e for e in events if isinstance(e, Fill)]
            claimed = await store_applied.claim(conn, [e.event_id for e in events], fills)
            events = [e for e in events if e.event_id in claimed.event_ids]
            new_fills = claimed.fills
            orders = await store_orders.orders_by_id(
                conn, {e.order_id for e in events}, for_update=True
            )
            changed: dict[str, Order] = {}
            causes: dict[str, OrderEvent] = {}
            acks: dict[str, datetime] = {}
            updates: list[Message] = []
            for event in events:
                with bound(
                    correlation_id=event.correlation_id,
                    client_id=event.client_id,
                    order_id=event.order_id,
                ):
                    order = changed.get(event.order_id) or orders.get(event.order_id)
                    updated = _apply(order, event, new_fills)
                    if order is not None and updated is not None:
                        if order.status in UNACKNOWLEDGED and updated.status not in UNACKNOWLEDGED:
                            # the broker has it from now: a margin report asked before
                            # this may not show it (store_margin_holds.held)
                            acks.setdefault(event.order_id, event.occurred_at)
                        changed[event.order_id] = updated
                        causes[event.order_id] = event
                        if updated.parent_order_id is None:  # a slice shows in its parent
                            updates.append(updated_event(updated, event))
            more = await follow_on(conn, changed, causes, self.kill_switch())
            await store_orders.update_orders(conn, [*changed.values(), *more.orders])
            await store_margin_holds.acknowledged(conn, acks)
        await self.publisher.publish_many(ORDER_COMMANDS, more.commands)
        await self.publisher.publish_many(ORDER_EVENTS, more.events)
        await self.publisher.publish_many(ORDER_UPDATES, [*updates, *more.updates])


def _apply(
    order: Order | None, event: OrderEvent, new_fills: set[tuple[str, str, date, str]]
) -> Order | None:
    if order is None:
        log.warning("%s for an order the router does not know; skipped", event.type)
        return None
    if isinstance(event, Fill):
        key = event.trade_key
        if key not in new_fills:
            log.info("fill %s of order %s already applied; skipped", event.trade_no, order.order_id)
            return None
        new_fills.discard(key)
    try:
        updated = apply_event(order, event)
    except IllegalTransition as refused:
        log.warning("refused %s on order %s: %s", event.type, order.order_id, refused)
        return None
    if updated.status is not order.status:
        log.info(
            "order %s: %s -> %s (%s)", order.order_id, order.status, updated.status, event.type
        )
    return updated


def _unique(events: list[OrderEvent]) -> list[OrderEvent]:
    seen: set[str] = set()
    out = []
    for event in events:
        if event.event_id not in seen:
            seen.add(event.event_id)
            out.append(event)
    return out
