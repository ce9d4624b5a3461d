"""The last traded price a MARKET order is protected from: Redis first, the broker second.

market-data writes `quote:{token}` (a Quote as JSON, rupees). A quote older than
`max_age` is not trusted; then the client's own getltpdata answers (paisa, converted by
the client library). A quote read from Redis is reused for `reuse_seconds` by every order
on that token, so a 1,000-client batch reads it once, not 1,000 times.
"""

import logging
import time
from datetime import UTC, datetime
from decimal import Decimal

from common.contracts.instruments import Instrument
from common.contracts.quotes import Quote
from motilal.client import MotilalClient
from pydantic import ValidationError
from redis.asyncio import Redis

log = logging.getLogger(__name__)


async def cached_ltp(redis: Redis, token: int, max_age_seconds: float) -> Decimal | None:
    raw = await redis.get(f"quote:{token}")
    if not raw:
        return None
    try:
        quote = Quote.model_validate_json(raw)
    except ValidationError:
        log.warning("quote:%s in Redis does not parse; ignoring it", token)
        return None
    return _fresh_ltp(quote, max_age_seconds)


def _fresh_ltp(quote: Quote, max_age_seconds: float) -> Decimal | None:
    age = (datetime.now(UTC) - quote.quoted_at).total_seconds()
    if age > max_age_seconds or quote.ltp <= 0:
        return None
    return quote.ltp


class LastPrices:
    def __init__(self, redis: Redis, max_age_seconds: float, reuse_seconds: float = 0.2) -> None:
        self._redis = redis
        self._max_age = max_age_seconds
        self._reuse = reuse_seconds
        self._recent: dict[int, tuple[float, Decimal | None]] = {}

    async def of(self, client: MotilalClient, instrument: Instrument) -> Decimal | None:
        """The freshest LTP we can get, or None when neither source has one."""
        token = instrument.token
        now = time.monotonic()
        seen = self._recent.get(token)
        if seen is not None and now - seen[0] < self._reuse:
            ltp = seen[1]
        else:
            ltp = await cached_ltp(self._redis, token, self._max_age)
            self._recent[token] = (now, ltp)
        if ltp is not None:
            return ltp
        quote = await client.ltp(instrument.exchange.value, instrument.token)
        return quote.ltp if quote.ltp > 0 else None
