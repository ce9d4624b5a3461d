"""REST fallback while the feed is down: getltpdata for each subscribed token, in rounds.

Motilal has no multi-quote REST call, so a round costs one call per token; calls run a few
at a time (`concurrency`) and a round starts at most every `interval` seconds.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from datetime import UTC, datetime
from decimal import Decimal

from common.contracts.quotes import Quote
from motilal import MotilalClient, MotilalError

from market_data.metrics import LTP_POLLS
from market_data.quotes.interest import FeedKey
from market_data.quotes.quote_book import QUOTE_ACTOR

log = logging.getLogger(__name__)


class LtpPoller:
    def __init__(
        self,
        client: MotilalClient,
        on_quote: Callable[[Quote], None],
        is_index: Callable[[FeedKey], bool],
        concurrency: int = 4,
    ) -> None:
        self._client = client
        self._on_quote = on_quote
        self._is_index = is_index
        self._limit = asyncio.Semaphore(max(concurrency, 1))

    async def poll_round(self, keys: Sequence[FeedKey]) -> int:
        """Ask once for every key; returns how many quotes arrived."""
        if keys and self._client.session is None:
            await self._client.login()
        results = await asyncio.gather(*(self._poll(key) for key in keys))
        return sum(results)

    async def _poll(self, key: FeedKey) -> bool:
        exchange, token = key
        async with self._limit:
            try:
                fields: dict[str, Decimal]
                if self._is_index(key):
                    i = await self._client.index_ltp(exchange.value, token)
                    fields = {"open": i.open, "high": i.high, "low": i.low, "close": i.prev_close}
                    ltp, volume = i.ltp, None
                else:
                    q = await self._client.ltp(exchange.value, token)
                    fields = {"open": q.open, "high": q.high, "low": q.low, "close": q.prev_close}
                    fields |= {"bid": q.bid, "ask": q.ask}
                    ltp, volume = q.ltp, max(q.volume, 0)
            except MotilalError as error:
                LTP_POLLS.labels("error").inc()
                log.warning("LTP poll of %s %s failed: %s", exchange, token, error)
                return False
        if ltp <= 0:
            LTP_POLLS.labels("empty").inc()
            return False
        LTP_POLLS.labels("ok").inc()
        self._on_quote(_quote(key, ltp, volume, fields))
        return True


def _quote(key: FeedKey, ltp: Decimal, volume: int | None, fields: dict[str, Decimal]) -> Quote:
    exchange, token = key
    return Quote(
        token=token,
        exchange=exchange,
        ltp=ltp,
        volume=volume,
        # An empty side of the book or an untraded day comes as 0: absent, not free.
        **{name: value for name, value in fields.items() if value > 0},
        # REST carries no exchange time: the moment it was read is the best there is.
        quoted_at=datetime.now(UTC),
        correlation_id=f"quote:{token}",
        actor=QUOTE_ACTOR,
    )
