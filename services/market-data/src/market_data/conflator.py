"""Conflation: the latest quote per token since the last flush; older ones are dropped.

The feed may tick a token many times a second; consumers need the latest price, not every
intermediate one. Publishing at most once per token per interval bounds Kafka and Redis
traffic by the number of tokens, whatever the tick rate.
"""

from common.contracts.quotes import Quote


class Conflator:
    def __init__(self) -> None:
        self._pending: dict[int, Quote] = {}
        self.replaced = 0
        """Quotes overwritten before they were flushed (a measure of conflation)."""

    def put(self, quote: Quote) -> None:
        if quote.token in self._pending:
            self.replaced += 1
        self._pending[quote.token] = quote

    def drain(self) -> list[Quote]:
        pending, self._pending = self._pending, {}
        return list(pending.values())

    def __len__(self) -> int:
        return len(self._pending)
