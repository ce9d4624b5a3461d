"""The last traded price a MARKET order is protected from: Redis first, the broker second.

market-data writes `quote:{exchange}:{token}` (a Quote as JSON, rupees). A quote older than
`max_age` is not trusted; then the client's own getltpdata answers (paisa, converted by
the client library).
"""

import asyncio
import logging
import time
from datetime import UTC, datetime
from decimal import Decimal

from common.contracts.instruments import Instrument
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.redis_keys import latest_quote
from motilal.client import MotilalClient
from redis.asyncio import Redis

log = logging.getLogger(__name__)


async def cached_ltp(
    redis: Redis, exchange: Exchange, token: int, max_age_seconds: float
) -> Decimal | None:
    quote = await latest_quote(redis, exchange, token)
    return None if quote is None else _fresh_ltp(quote, max_age_seconds)


def _fresh_ltp(quote: Quote, max_age_seconds: float) -> Decimal | None:
    age = (datetime.now(UTC) - quote.quoted_at).total_seconds()
    if age > max_age_seconds or quote.ltp <= 0:
        return None
    return quote.ltp


class LastPrices:
    """The LTP per instrument, shared by every client's orders for `reuse_seconds`.

    A price is the same whoever asks: a 1,000-client MARKET batch reads Redis once and, when
    Redis has no fresh quote, asks Motilal once (through the first client's session), not
    1,000 times. Concurrent askers of one instrument wait for that one answer.
    """

    def __init__(self, redis: Redis, max_age_seconds: float, reuse_seconds: float = 0.5) -> None:
        self._redis = redis
        self._max_age = max_age_seconds
        self._reuse = reuse_seconds
        self._recent: dict[tuple[str, int], tuple[float, Decimal | None]] = {}
        self._asking: dict[tuple[str, int], asyncio.Lock] = {}

    async def of(self, client: MotilalClient, instrument: Instrument) -> Decimal | None:
        """The freshest LTP we can get, or None when neither source has one."""
        key = (instrument.exchange.value, instrument.token)
        known = self._fresh(key)
        if known is not None:
            return known[1]
        async with self._asking.setdefault(key, asyncio.Lock()):
            known = self._fresh(key)  # another asker may have got it meanwhile
            if known is not None:
                return known[1]
            ltp = await cached_ltp(
                self._redis, instrument.exchange, instrument.token, self._max_age
            )
            if ltp is None:
                quote = await client.ltp(instrument.exchange.value, instrument.token)
                ltp = quote.ltp if quote.ltp > 0 else None
            self._recent[key] = (time.monotonic(), ltp)
            return ltp

    def _fresh(self, key: tuple[str, int]) -> tuple[float, Decimal | None] | None:
        known = self._recent.get(key)
        if known is None or time.monotonic() - known[0] >= self._reuse:
            return None
        return known
