"""The last traded price a MARKET order is protected from: Redis first, the broker second.

market-data writes `quote:{token}` (a Quote as JSON, rupees). A quote older than
`max_age` is not trusted; then the client's own getltpdata answers (paisa, converted by
the client library).
"""

import logging
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
    age = (datetime.now(UTC) - quote.quoted_at).total_seconds()
    if age > max_age_seconds or quote.ltp <= 0:
        return None
    return quote.ltp


async def last_price(
    redis: Redis, client: MotilalClient, instrument: Instrument, max_age_seconds: float
) -> Decimal | None:
    """The freshest LTP we can get, or None when neither source has one."""
    ltp = await cached_ltp(redis, instrument.token, max_age_seconds)
    if ltp is not None:
        return ltp
    quote = await client.ltp(instrument.exchange.value, instrument.token)
    return quote.ltp if quote.ltp > 0 else None
