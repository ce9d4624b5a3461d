"""Order-write rate limits: one bucket per (client, exchange segment) and one for everything.

Motilal allows 10 orders a second per client (UCC) per exchange segment. Each bucket holds
one token and refills at the configured rate, so no one-second window ever sees more than
the rate, and one busy client waits on its own bucket while the others go ahead.
"""

import time
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager

from aiolimiter import AsyncLimiter

from broker_adapter.metrics import METRICS


class Throttle:
    def __init__(self, per_client_per_second: float, global_per_second: float) -> None:
        self._rate = per_client_per_second
        self._buckets: dict[tuple[str, str], AsyncLimiter] = {}
        # The global bucket may burst a little (one second's worth) as it spans many clients.
        self._global = AsyncLimiter(global_per_second, 1.0)

    def _bucket(self, client_id: str, segment: str) -> AsyncLimiter:
        key = (client_id, segment)
        bucket = self._buckets.get(key)
        if bucket is None:
            bucket = self._buckets[key] = AsyncLimiter(1, 1.0 / self._rate)
        return bucket

    @asynccontextmanager
    async def order_write(self, client_id: str, segment: str) -> AsyncIterator[None]:
        """Waits for both buckets, then lets one order write through."""
        started = time.perf_counter()
        async with self._bucket(client_id, segment), self._global:
            waited = time.perf_counter() - started
            METRICS.throttle_wait.labels(segment).observe(waited)
            yield
