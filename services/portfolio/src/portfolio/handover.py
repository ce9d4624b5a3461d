"""Keeping the live book to the clients of this replica's partitions, as the group deals them.

The book holds exactly the clients whose fills this replica applies (`ownership.py`). The
assignment of the `portfolio` group's member is looked at before every fill batch, before
every quote batch and every `poll_s` seconds (a set comparison: nothing per client). When
it changed, the gained partitions' clients are read from PostgreSQL (open positions,
realized P&L overall and for today), and then, in one step with no await between, the
ownership moves, the clients no longer owned are dropped (nothing of theirs is published
from here) and the gained ones replace whatever the book held of them. So no sum loaded
earlier is carried over, and no tick marks a gained client before its stored state is in.

Fill batches take the same lock, from the look at the assignment until the book followed
the batch: a hand-over never lands between a batch's commit and the book following it.
When the group takes partitions away (a replica joins or leaves), `revoke` runs before
this member rejoins: it waits for the batch in hand and drops the partitions' clients, so
their next owner, dealt them only afterwards, reads everything this replica stored.
"""

import asyncio
import logging
from collections.abc import Awaitable, Callable, Collection, Iterable
from datetime import date
from decimal import Decimal

import asyncpg
from common.assignment import Assigned

from portfolio import store_positions
from portfolio.live import InstrumentKey, Loaded
from portfolio.ownership import Ownership, among
from portfolio.updates import UpdatePublisher

log = logging.getLogger(__name__)

Prices = Callable[[set[InstrumentKey]], Awaitable[dict[InstrumentKey, Decimal]]]
"""The latest known price of each instrument (Redis), for marks no tick has brought yet."""


async def read_clients(pool: asyncpg.Pool, clients: Iterable[str], day: date) -> Loaded:
    """These clients' stored state: open positions, realized P&L overall and on `day`."""
    ids = sorted(set(clients))
    if not ids:
        return Loaded(frozenset(), [], {}, {}, day)
    held = await store_positions.active_by_clients(pool, ids)
    return Loaded(
        frozenset(ids),
        [(h.position, h.last_price) for h in held],
        await store_positions.realized_by_client(pool, ids),
        await store_positions.realized_on(pool, ids, day),
        day,
    )


class BookOwner:
    def __init__(
        self,
        pool: asyncpg.Pool,
        updates: UpdatePublisher,
        assignment: Callable[[], Assigned | None],
        prices: Prices,
        poll_s: float,
    ) -> None:
        self.pool = pool
        self.updates = updates
        self.book = updates.book
        self.ownership = Ownership()
        self.book.owns = self.ownership.owns
        self.lock = asyncio.Lock()
        """Held while the book follows a fill batch or a new assignment."""
        self._assignment = assignment
        self._prices = prices
        self._poll_s = poll_s

    @property
    def followed(self) -> bool:
        """The book holds the clients of an assignment (not yet: the group is joining)."""
        return self.ownership.followed

    async def follow(self) -> None:
        """Follow the group's assignment if it changed; no await at all when it did not."""
        assigned = self._assignment()
        if assigned is None or self.ownership.gained(assigned) is None:
            return
        async with self.lock:
            await self.follow_locked()

    async def follow_locked(self) -> None:
        """`follow`, for a caller that holds the lock."""
        assigned = self._assignment()
        if assigned is None:
            return
        gained = self.ownership.gained(assigned)
        if gained is None:
            return
        stored = await store_positions.client_ids(self.pool) if gained else []
        loaded = await read_clients(self.pool, among(stored, assigned, gained), self.book.day())
        instruments = {(p.key.exchange, p.key.token) for p, _ in loaded.open_positions}
        seeds = await self._prices(instruments) if instruments else {}
        # one step from here: the ownership, the drops and the loads change together
        self.ownership.take(assigned)
        dropped = [c for c in self.book.clients() if not self.ownership.owns(c)]
        self.updates.hand_over(dropped, loaded)
        self.book.seed(seeds)
        log.info(
            "live book follows partitions %s of %d: %d clients loaded, %d dropped",
            sorted(assigned.partitions), assigned.count, len(loaded.clients), len(dropped),
        )  # fmt: skip

    async def revoke(self, partitions: Collection[int]) -> None:
        """The group takes these partitions away: finish the fill batch in hand (the lock),
        then drop their clients. aiokafka awaits this before the member rejoins, so the
        partitions' next owner loads the clients only after this replica stored its last
        batch and stopped marking them."""
        async with self.lock:
            held = self.ownership.held
            lost = frozenset(partitions)
            if held is None or not held.partitions & lost:
                return
            self.ownership.take(Assigned(held.partitions - lost, held.count))
            dropped = [c for c in self.book.clients() if not self.ownership.owns(c)]
            self.updates.hand_over(dropped)  # nothing gained: nothing to read
            log.info("live book gave up partitions %s: %d clients dropped", sorted(lost),
                     len(dropped))  # fmt: skip

    async def fresh(self, clients: Iterable[str]) -> Loaded | None:
        """The stored state of those of `clients` this replica owns (None: none of them)."""
        owned = [c for c in clients if self.ownership.owns(c)]
        return await read_clients(self.pool, owned, self.book.day()) if owned else None

    async def run(self) -> None:
        """Follow a rebalance while no batch arrives (an idle market, a quiet topic)."""
        while True:
            await self.follow()
            await asyncio.sleep(self._poll_s)

    async def readiness(self) -> str | None:
        if not self.followed:
            return "the live book is waiting for its first partitions (joining the group)"
        return None
