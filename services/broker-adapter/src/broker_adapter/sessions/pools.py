"""Asks the egress rule (egress.py) about clients by id, their pools read from the
adapter's copy of the registry (shared by every pool: one database for all of them).

A client the registry copy does not know (yet) is the default pool's, as a client without
an identity is: its command is stored by the default pool, and if its registration then
names another pool, the session guard (manager.py) rejects it instead of calling Motilal
from this pool's address.
"""

from collections.abc import Callable, Sequence
from typing import TypeVar

import asyncpg
from common.contracts.commands import CancelOrder, ModifyOrder, PlaceOrder
from common.contracts.envelope import Message

from broker_adapter.egress import DEFAULT_POOL, EgressPools
from broker_adapter.sessions import store_sessions

T = TypeVar("T")


class ClientPools:
    def __init__(self, egress: EgressPools, pool: asyncpg.Pool) -> None:
        self.egress = egress
        self._pool = pool

    async def answered(self, messages: Sequence[Message]) -> Sequence[Message]:
        """The order commands of clients this adapter answers for (runs or refuses)."""
        if self.egress.every_client:
            return messages  # no pools: no read on the hot path
        commands = [m for m in messages if isinstance(m, PlaceOrder | ModifyOrder | CancelOrder)]
        return await self.keep(commands, lambda c: c.client_id, self.egress.answers_for)

    async def served(self, items: Sequence[T], client_of: Callable[[T], str]) -> Sequence[T]:
        """The items whose client this adapter calls Motilal for (the tracker's orders)."""
        if self.egress.every_client:
            return items
        return await self.keep(items, client_of, self.egress.serves)

    async def keep(
        self, items: Sequence[T], client_of: Callable[[T], str], wanted: Callable[[str], bool]
    ) -> list[T]:
        pools = await store_sessions.pools_of(self._pool, {client_of(i) for i in items})
        return [i for i in items if wanted(pools.get(client_of(i), DEFAULT_POOL))]
