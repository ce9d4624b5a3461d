"""One market-data process at a time runs the quote feed; the others stand by.

Every process would otherwise log in the one feed account and publish every quote again.
The feed (and its REST fallback) runs only in the process that holds a PostgreSQL advisory
lock, taken on a connection of its own: PostgreSQL releases it the moment that process dies
or its connection breaks, and grants it to a standby process waiting for it, which starts
the feed. The leader checks its lock connection every `feed_leader_retry_seconds` and stops
its feed once it cannot: another process may hold the lock by then. So two processes publish
the same quotes at most for the moment between a lost connection and its next check;
quotes are states, not events, so a repeated one changes nothing downstream.

The processes that compete share a database and a feed name (`feed_lock_name`): a second
deployment on the same database, or a test's private market-data, names its own feed.

Why PostgreSQL and not a Redis lock: the lock lives exactly as long as the holder's
connection, with no lease to renew and no clock to trust; the token-master loads already
take turns the same way.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable, Coroutine
from hashlib import blake2b
from typing import Any

import asyncpg

log = logging.getLogger(__name__)


def lock_key(name: str) -> int:
    """The advisory lock key of the feed named `name` (a signed 64-bit integer)."""
    return int.from_bytes(blake2b(name.encode(), digest_size=8).digest(), "big", signed=True)


Feed = Callable[[], Coroutine[Any, Any, None]]


class FeedLeadership:
    def __init__(self, dsn: str, retry_seconds: float, name: str) -> None:
        self._dsn = dsn
        self._retry = retry_seconds
        self._key = lock_key(name)
        self.leading = False

    async def lead(self, feed: Feed) -> None:
        """Background loop: wait for the lock, run `feed` while holding it, start over when
        the lock connection is lost (or cannot be opened)."""
        while True:
            try:
                conn: asyncpg.Connection = await asyncpg.connect(self._dsn)
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("feed lock: PostgreSQL unreachable (%r); retrying", error)
                await asyncio.sleep(self._retry)
                continue
            try:
                await self._lead_on(conn, feed)
            except (OSError, TimeoutError, asyncpg.PostgresError, asyncpg.InterfaceError) as error:
                log.warning("feed lock connection lost (%r)", error)
            finally:
                self.leading = False
                with contextlib.suppress(Exception):
                    await conn.close(timeout=2)

    async def _lead_on(self, conn: asyncpg.Connection, feed: Feed) -> None:
        # waits while another process runs the feed: granted the moment its session ends
        await conn.execute("SELECT pg_advisory_lock($1)", self._key)
        self.leading = True
        log.info("this process runs the quote feed (it holds the feed lock)")
        running = asyncio.create_task(feed(), name="quote-feed")
        try:
            while not running.done():
                await conn.fetchval("SELECT 1", timeout=self._retry)  # raises once it is lost
                await asyncio.wait({running}, timeout=self._retry)
        finally:
            running.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await running
            log.info("the quote feed stopped in this process")
