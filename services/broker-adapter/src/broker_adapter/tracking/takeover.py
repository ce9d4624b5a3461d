"""A gone replica's open orders pass to a live replica of its pool, with the lease renewals.

A replica's tracker follows the orders it placed or modified, and every open order of its
pool there was at its start. When it dies its unfinished commands pass on with their
leases (store_inbox.py); its placed orders pass on here. Every replica beats with each
lease renewal (at start, then every third of `command_lease_seconds`: workers.py), and the
first live replica of the pool to find a replica whose beat lapsed becomes its heir and
follows the open orders whose place or modify command the gone one ran: reads their books
at once, opens their clients' streams, reports their fills and ends. So they are followed
again within about the lease time, without waiting for a process to start.

Why derived from the commands rather than a follower recorded per order or client: the
inbox row already names the replica that ran each command, written on the hot path
anyway, while a follower column would cost one more write per placement. A renewal costs
one small statement whatever the number of clients; orders are read only on a takeover.
Two replicas may follow one order (one started after it was placed, a race): each fill is
claimed once in the outbox (fills.py), and the order-router refuses a second end.
"""

import logging

import asyncpg

from broker_adapter.tracking import store_followers as store
from broker_adapter.tracking.tracker import Tracker

log = logging.getLogger(__name__)


class Takeover:
    def __init__(self, pool: asyncpg.Pool, owner: str, lease_s: float, tracker: Tracker) -> None:
        self._pool = pool
        self._owner = owner
        """this replica's name on the inbox's leases (`<pool>/<process>`, egress.py)"""
        self._lease_s = lease_s
        self._tracker = tracker

    async def beat(self) -> None:
        """Beats, and follows the open orders of every replica it took over. One
        transaction: if the orders cannot be read, nobody took them, and the next beat (of
        this replica or another) tries again."""
        async with self._pool.acquire() as conn, conn.transaction():
            gone = await store.beat_and_take_over(conn, self._owner, self._lease_s)
            if not gone:
                return
            orders = await store.open_orders_of(conn, gone)
            followed = await self._tracker.follow_stored(orders)
        log.warning(
            "replicas %s are gone: following %d of their %d open orders from now on",
            ", ".join(gone), followed, len(orders),
        )  # fmt: skip
