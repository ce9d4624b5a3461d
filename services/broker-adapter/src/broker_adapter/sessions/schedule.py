"""The daily re-login: every active client logs in afresh after the 06:00 IST expiry and
before the market opens (BROKER_ADAPTER_SESSION_RELOGIN_TIME, IST, default 08:30).

With several replicas, one does it: a Redis key per day (SET NX) elects the replica.
Clients whose login FAILED with their current credentials are skipped (they need a human;
retrying a wrong password daily would lock the account).
"""

import asyncio
import logging
from datetime import UTC, datetime, time, timedelta

import asyncpg
from common.trading_days import IST
from redis.asyncio import Redis

from broker_adapter.sessions import store_sessions
from broker_adapter.sessions.manager import SessionManager

log = logging.getLogger(__name__)

RUN_KEY = "broker-adapter:daily-relogin:{day}"
"""One run a day; each egress pool has its own (EgressPools.scoped): each logs its clients."""


def next_run(now: datetime, at: time) -> datetime:
    """The next `at` (IST wall clock) strictly after `now`, in UTC."""
    local = now.astimezone(IST)
    candidate = datetime.combine(local.date(), at, tzinfo=IST)
    if candidate <= local:
        candidate += timedelta(days=1)
    return candidate.astimezone(UTC)


async def relogin_everyone(sessions: SessionManager, pool: asyncpg.Pool, concurrency: int) -> int:
    """Every own-login client and every dealer once (a dealer's clients use its login)."""
    keys = await store_sessions.login_keys(pool)
    gate = asyncio.Semaphore(concurrency)

    async def one(client_id: str) -> None:
        async with gate:
            try:
                await sessions.refresh(client_id)
            except Exception:
                log.exception("daily re-login of %s failed unexpectedly", client_id)

    await asyncio.gather(*(one(key) for key in keys))
    return len(keys)


class DailyRelogin:
    def __init__(
        self, sessions: SessionManager, at: time, concurrency: int, run_key: str = RUN_KEY
    ) -> None:
        self._sessions = sessions
        self._run_key = run_key
        self._at = at
        self._concurrency = concurrency

    async def run(self, pool: asyncpg.Pool, redis: Redis) -> None:
        while True:
            due = next_run(datetime.now(UTC), self._at)
            log.info("next daily broker re-login at %s", due.astimezone(IST).isoformat())
            await asyncio.sleep(max(0.0, (due - datetime.now(UTC)).total_seconds()))
            day = due.astimezone(IST).date().isoformat()
            if not await redis.set(self._run_key.format(day=day), "1", nx=True, ex=12 * 3600):
                log.info("daily re-login of %s done by another replica", day)
                continue
            count = await relogin_everyone(self._sessions, pool, self._concurrency)
            log.info("daily re-login of %d active clients done", count)
