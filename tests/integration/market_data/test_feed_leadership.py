"""One market-data process runs the quote feed; a standby takes over when its session ends
(market_data/quotes/leadership.py), on the stack's real PostgreSQL."""

import asyncio
import secrets

import asyncpg
from market_data.quotes.leadership import FeedLeadership, lock_key
from stack.testing import TestStack
from waiting import wait_for


class Feed:
    """A stand-in for the feed loops: records whether it runs in its process."""

    def __init__(self) -> None:
        self.running = False
        self.starts = 0

    async def __call__(self) -> None:
        self.running, self.starts = True, self.starts + 1
        try:
            await asyncio.Event().wait()
        finally:
            self.running = False


async def test_one_process_runs_the_feed_and_a_standby_takes_over_when_its_session_ends(
    stack: TestStack,
) -> None:
    name = f"feed-{secrets.token_hex(4)}"  # the stack's own market-data runs "quote-feed"
    first = FeedLeadership(stack.postgres_dsn, 0.2, name)
    second = FeedLeadership(stack.postgres_dsn, 0.2, name)
    key = lock_key(name)
    high, low = (key >> 32) & 0xFFFFFFFF, key & 0xFFFFFFFF  # as pg_locks shows a bigint key
    first_feed, second_feed = Feed(), Feed()
    pool = await asyncpg.create_pool(stack.postgres_dsn, min_size=1, max_size=2)

    async def someone_waits() -> bool:
        return bool(await pool.fetchval(
            """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
               AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1""",
            high,
            low,
        ))  # fmt: skip

    tasks = [asyncio.create_task(first.lead(first_feed))]
    try:
        await wait_for(lambda: _now(first_feed.running), 30, "the first process's feed")
        tasks.append(asyncio.create_task(second.lead(second_feed)))
        await wait_for(someone_waits, 30, "the second process waiting for the feed lock")
        assert first.leading and not second.leading
        assert (first_feed.starts, second_feed.starts) == (1, 0)

        # the leader's session ends (its process died, or the connection broke)
        holder = await pool.fetchval(
            """SELECT pid FROM pg_locks WHERE locktype = 'advisory' AND granted
               AND classid = $1::bigint::oid AND objid = $2::bigint::oid AND objsubid = 1""",
            high,
            low,
        )
        await pool.execute("SELECT pg_terminate_backend($1)", holder)
        await wait_for(lambda: _now(second_feed.running), 30, "the standby's feed")
        await wait_for(lambda: _now(not first_feed.running), 30, "the old leader's feed stopped")
        assert second.leading and second_feed.starts == 1
        # the old leader, reconnected, now stands by
        await wait_for(someone_waits, 30, "the old leader waiting for the feed lock")
        assert not first_feed.running and first_feed.starts == 1
    finally:
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        await pool.close()


async def _now(value: bool) -> bool:
    return value
