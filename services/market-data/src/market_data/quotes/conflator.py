"""Conflation: which tokens changed since the last flush, and a wakeup for the flusher.

The feed may tick a token many times a second; consumers need the latest price, not every
intermediate one. The conflator keeps only the set of changed (exchange, token) keys (the
quote book holds their latest state), so a flush publishes each changed token once however
often it ticked, and Kafka and Redis traffic is bounded by the number of tokens.

The flusher waits on `wait()`: an event set by the first change after a flush. With no
ticks nothing wakes up at all (no timer); see QuoteService.flush_loop for the window.
"""

import asyncio

from market_data.quotes.interest import FeedKey


class Conflator:
    def __init__(self) -> None:
        self._dirty: dict[FeedKey, None] = {}  # an insertion-ordered set: first changed first
        self._changed = asyncio.Event()
        self.replaced = 0
        """Changes folded into one still unflushed (a measure of conflation)."""

    def mark(self, key: FeedKey) -> None:
        if key in self._dirty:
            self.replaced += 1
        else:
            self._dirty[key] = None
            self._changed.set()

    async def wait(self) -> None:
        """Return once something changed since the last `drain` (at once if it has)."""
        await self._changed.wait()

    def drain(self) -> list[FeedKey]:
        dirty, self._dirty = self._dirty, {}
        self._changed.clear()
        return list(dirty)

    def __len__(self) -> int:
        return len(self._dirty)
