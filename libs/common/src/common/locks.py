"""One asyncio lock per client, so one client's work never interleaves within a process."""

import asyncio
import contextlib
from collections.abc import AsyncIterator, Iterable


class ClientLocks:
    def __init__(self) -> None:
        self._locks: dict[str, asyncio.Lock] = {}

    def of(self, client_id: str) -> asyncio.Lock:
        lock = self._locks.get(client_id)
        if lock is None:
            lock = self._locks[client_id] = asyncio.Lock()
        return lock

    @contextlib.asynccontextmanager
    async def all_of(self, client_ids: Iterable[str]) -> AsyncIterator[None]:
        """Hold every named client's lock (taken in sorted order, so two holders of
        overlapping sets cannot deadlock)."""
        async with contextlib.AsyncExitStack() as held:
            for client_id in sorted(set(client_ids)):
                await held.enter_async_context(self.of(client_id))
            yield
