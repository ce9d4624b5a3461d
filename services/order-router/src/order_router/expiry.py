"""End of day: the day's orders still open become EXPIRED (the exchange ends them too).

Only a trading day ends (the calendar says which): an AMO placed on Friday evening or
over the weekend waits at the broker for Monday's open, so it must not expire on Saturday.

`expire_open_orders(now)` does one sweep and is what tests call; `run` repeats it.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta

import asyncpg
from common.kafka import Publisher
from common.topics import ORDER_EVENTS, ORDER_UPDATES
from common.trading_days import IST

from order_router import store_orders
from order_router.messages import expired_event, updated_event
from order_router.orders import Order, moved
from order_router.transitions import Ev

log = logging.getLogger(__name__)


def _every_day(_: date) -> bool:
    return True


def last_cutoff(
    now: datetime, expire_at: time, trading_day: Callable[[date], bool] = _every_day
) -> datetime:
    """The latest end-of-day instant (IST `expire_at` of a trading day) at or before `now`,
    in UTC; a month without a trading day falls back to the last calendar day's."""
    local = now.astimezone(IST)
    day = local.date()
    if datetime.combine(day, expire_at, tzinfo=IST) > local:
        day -= timedelta(days=1)
    for _ in range(31):
        if trading_day(day):
            break
        day -= timedelta(days=1)
    else:
        day = local.date() - timedelta(days=1)
    return datetime.combine(day, expire_at, tzinfo=IST).astimezone(UTC)


@dataclass(eq=False)
class Expiry:
    pool: asyncpg.Pool
    publisher: Publisher
    expire_at: time
    every_seconds: float
    trading_day: Callable[[date], bool] = _every_day

    async def expire_open_orders(self, now: datetime | None = None) -> list[Order]:
        """Expire every open order created before the last cutoff; returns them."""
        cutoff = last_cutoff(now or datetime.now(UTC), self.expire_at, self.trading_day)
        async with self.pool.acquire() as conn, conn.transaction():
            open_orders = await store_orders.open_orders_created_before(
                conn, cutoff, for_update=True
            )
            expired, refusals = moved(open_orders, Ev.EXPIRE)
            for order, refused in refusals:
                log.warning("cannot expire %s: %s", order.order_id, refused)
            await store_orders.update_orders(conn, expired)
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
            await asyncio.sleep(self.every_seconds)
