"""One router replica at a time decides a client's orders (issue 13 item 9).

Order requests are keyed by batch (a batch spans many clients), so two replicas can hold
requests for the same client at once. Before deciding, a replica takes a PostgreSQL
advisory lock for every client of the requests it holds and keeps it until their orders
are stored AND their commands produced: the next decision for that client, on any
replica, waits, then sees the margin the first one holds (store_margin_holds.py), and its
commands land after the first one's on the client's partition of orders.commands.v1.
Modify, cancel and the kill switch take the same locks (the whole slot range for a global
one): a cancel decided on one replica cannot overtake the place command another replica
is still producing, and an order decided after a kill switch sees it (intake.py).

The lock is a session lock on a pooled connection, released before the connection goes
back (or the connection is closed): a replica that dies mid-decision drops its
connection, and PostgreSQL releases the lock at once. Clients share SLOTS
slots (a hash), so a batch over thousands of clients takes at most SLOTS locks; two
clients in one slot are merely decided one after the other.
"""

import asyncio
from collections.abc import AsyncIterator, Iterable
from contextlib import AbstractAsyncContextManager, asynccontextmanager
from hashlib import blake2b

import asyncpg

from order_router import store_client_locks

SLOTS = 1024
"""Lock slots clients are hashed into (PostgreSQL's lock table holds a few thousand)."""


def slot(client_id: str) -> int:
    """A client's lock slot: stable across processes and restarts (not Python's hash)."""
    return int.from_bytes(blake2b(client_id.encode(), digest_size=4).digest(), "big") % SLOTS


def clients_locked(
    pool: asyncpg.Pool, client_ids: Iterable[str] | None
) -> AbstractAsyncContextManager[asyncpg.Connection]:
    """A connection holding every client's lock until the block ends; None: every client's
    (a global kill switch)."""
    slots = range(SLOTS) if client_ids is None else {slot(c) for c in client_ids}
    return _slots_locked(pool, slots)


@asynccontextmanager
async def _slots_locked(
    pool: asyncpg.Pool, slots: Iterable[int]
) -> AsyncIterator[asyncpg.Connection]:
    async with pool.acquire() as conn:
        await store_client_locks.lock(conn, list(slots))
        try:
            yield conn
        finally:
            # the pool resets nothing (common.db): a connection that may still hold locks
            # is closed, never handed back (closing releases them)
            try:
                await store_client_locks.unlock(conn)
            except (OSError, asyncpg.PostgresError, asyncpg.InterfaceError):
                conn.terminate()
            except asyncio.CancelledError:
                conn.terminate()
                raise
