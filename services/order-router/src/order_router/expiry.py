"""End of day: the day's orders still open become EXPIRED (the exchange ends them too).

`expire_open_orders(now)` does one sweep and is what tests call; `run` repeats it.
"""

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta

import asyncpg
from common.kafka import Publisher
from common.topics import ORDER_EVENTS, ORDER_UPDATES
from common.trading_days import IST

from order_router import store
from order_router.messages import expired_event, updated_event
from order_router.orders import Order
from order_router.transitions import Ev, IllegalTransition

log = logging.getLogger(__name__)


def last_cutoff(now: datetime, expire_at: time) -> datetime:
    """The latest end-of-day instant (IST `expire_at`) at or before `now`, in UTC."""
    local = now.astimezone(IST)
    cutoff = datetime.combine(local.date(), expire_at, tzinfo=IST)
    if cutoff > local:
        cutoff -= timedelta(days=1)
    return cutoff.astimezone(UTC)


class Expiry:
    def __init__(
        self, pool: asyncpg.Pool, publisher: Publisher, expire_at: time, every_seconds: float
    ) -> None:
        self.pool = pool
        self.publisher = publisher
        self.expire_at = expire_at
        self.every = every_seconds

    async def expire_open_orders(self, now: datetime | None = None) -> list[Order]:
        """Expire every open order created before the last cutoff; returns them."""
        cutoff = last_cutoff(now or datetime.now(UTC), self.expire_at)
        async with self.pool.acquire() as conn, conn.transaction():
            expired = []
            for order in await store.open_orders_created_before(conn, cutoff, for_update=True):
                try:
                    expired.append(order.to(Ev.EXPIRE))
                except IllegalTransition as refused:
                    log.warning("cannot expire %s: %s", order.order_id, refused)
            await store.update_orders(conn, expired)
        if expired:
            day = cutoff.astimezone(IST).date().isoformat()
            events = [expired_event(o, day) for o in expired]
            await self.publisher.publish_many(ORDER_EVENTS, events)
            await self.publisher.publish_many(
                ORDER_UPDATES, [updated_event(o, e) for o, e in zip(expired, events, strict=True)]
            )
            log.info("expired %d open orders from before %s", len(expired), cutoff.isoformat())
        return expired

    async def run(self) -> None:
        while True:
            await self.expire_open_orders()
            await asyncio.sleep(self.every)
