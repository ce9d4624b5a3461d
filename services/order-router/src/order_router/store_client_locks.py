"""Per-client PostgreSQL advisory locks (session level) for client_locks.py.

Clients are hashed into slots; a slot is the advisory lock (LOCK_SPACE, slot). Slots are
taken in ascending order in one statement, so two sessions can never wait on each other
in a circle.
"""

from collections.abc import Sequence

import asyncpg

LOCK_SPACE = 0x4F52
"""The first key of every router client lock ('OR'), apart from anyone else's locks."""


async def lock(conn: asyncpg.Connection, slots: Sequence[int]) -> None:
    """Wait for every slot (ascending); held until `unlock` or the session ends."""
    await conn.fetchval(
        """SELECT count(pg_advisory_lock($1, s))
           FROM (SELECT DISTINCT unnest($2::int[]) AS s ORDER BY s) AS slots""",
        LOCK_SPACE,
        sorted(set(slots)),
    )


async def unlock(conn: asyncpg.Connection) -> None:
    await conn.execute("SELECT pg_advisory_unlock_all()")
