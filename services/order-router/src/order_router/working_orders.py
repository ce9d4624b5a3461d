"""Changing working orders on request: modify, cancel, the kill switch (orders.requests.v1).

Each takes the client's lock (client_locks.py; every client's for a global kill switch),
the one the intake holds while it decides and produces a client's orders: a cancel decided
on one replica cannot overtake the place command another is still producing, and the
kill switch's cancels find every order decided before it.
"""

import logging
from dataclasses import replace

import asyncpg
from common.contracts.envelope import Message
from common.contracts.requests import CancelRequested, KillSwitchRequested, ModifyRequested
from common.enums import OrderStatus
from common.kafka import Publisher
from common.logs import bound
from common.redis_keys import kill_switch_key
from common.topics import ORDER_COMMANDS
from redis.asyncio import Redis

from order_router import client_locks, metrics, store_kill_switches, store_orders
from order_router.accounts import AccountCopies
from order_router.messages import cancel_command, modify_command
from order_router.orders import Order, cancels_asked
from order_router.slice_changes import change_sliced
from order_router.transitions import Ev, IllegalTransition

log = logging.getLogger(__name__)


class WorkingOrderChanges:
    def __init__(
        self, pool: asyncpg.Pool, redis: Redis, publisher: Publisher, accounts: AccountCopies
    ) -> None:
        self.pool = pool
        self.redis = redis
        self.publisher = publisher
        self.accounts = accounts

    async def change(self, m: ModifyRequested | CancelRequested) -> None:
        """Modify or cancel one working order (a sliced one: its working slices), under the
        client's lock: after the place command of an order another replica is deciding."""
        async with client_locks.clients_locked(self.pool, [m.client_id]):
            with bound(order_id=m.order_id, client_id=m.client_id):
                if await change_sliced(self.pool, self.publisher, m):
                    return
                event = Ev.REQUEST_MODIFY if isinstance(m, ModifyRequested) else Ev.REQUEST_CANCEL
                order = await self._request_change(m.order_id, m.client_id, event)
                if order is None:
                    return
                command = (
                    modify_command(_modified(order, m), m)
                    if isinstance(m, ModifyRequested)
                    else cancel_command(order, m)
                )
                await self.publisher.publish(ORDER_COMMANDS, command)
                metrics.sent([command])

    async def _request_change(self, order_id: str, client_id: str, event: Ev) -> Order | None:
        """Move the order to its pending-change state; None when the change is refused."""
        pending = OrderStatus.PENDING_MODIFY if event is Ev.REQUEST_MODIFY else (
            OrderStatus.PENDING_CANCEL
        )  # fmt: skip
        async with self.pool.acquire() as conn, conn.transaction():
            order = (await store_orders.orders_by_id(conn, [order_id], for_update=True)).get(
                order_id
            )
            if order is None or order.client_id != client_id:
                log.warning("%s for unknown order %s of client %s", event, order_id, client_id)
                return None
            if order.status is pending:
                return order  # redelivered: send the command again, the adapter dedupes
            try:
                changed = order.to(event)
            except IllegalTransition as refused:
                log.warning("refused: %s", refused)
                return None
            await store_orders.update_orders(conn, [changed])
            return changed

    async def kill_switch(self, m: KillSwitchRequested) -> None:
        # the scope's locks (every client's for a global one): orders being decided finish
        # first and are canceled below; orders decided after see the switch
        async with client_locks.clients_locked(
            self.pool, None if m.client_id is None else [m.client_id]
        ):
            await self._kill_switch(m)

    async def _kill_switch(self, m: KillSwitchRequested) -> None:
        scope = m.client_id or store_kill_switches.GLOBAL_SCOPE
        await self.accounts.set_kill_switch(scope, m.engaged, m.reason, m.actor)
        key = kill_switch_key(scope)
        if m.engaged:
            await self.redis.set(key, m.reason)
        else:
            await self.redis.delete(key)
        log.warning(
            "kill switch %s for %s by %s: %s",
            "ENGAGED" if m.engaged else "released",
            "everyone" if m.client_id is None else m.client_id,
            m.actor,
            m.reason,
        )
        if m.engaged and m.cancel_open_orders:
            await self.cancel_working(m, m.client_id)

    async def cancel_working(self, cause: Message, client_id: str | None) -> int:
        """Ask the adapter to cancel every working order of the scope; returns how many."""
        async with self.pool.acquire() as conn, conn.transaction():
            working = await store_orders.working_orders(conn, client_id)
            to_cancel, refusals = cancels_asked(working)
            for order, refused in refusals:
                log.warning("kill switch could not cancel %s: %s", order.order_id, refused)
            await store_orders.update_orders(conn, to_cancel)
        if to_cancel:
            commands = [cancel_command(o, cause) for o in to_cancel]
            await self.publisher.publish_many(ORDER_COMMANDS, commands)
            metrics.sent(commands)
        log.warning("kill switch: cancel sent for %d working orders", len(to_cancel))
        return len(to_cancel)


def _modified(order: Order, m: ModifyRequested) -> Order:
    """The order as the modify asks it to be (what the request leaves out stays)."""
    return replace(
        order,
        order_type=m.order_type or order.order_type,
        quantity=m.quantity or order.quantity,
        price=m.price if m.price is not None else order.price,
        trigger_price=m.trigger_price if m.trigger_price is not None else order.trigger_price,
    )
