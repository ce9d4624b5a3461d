"""A quote for a token nobody watches yet: lease it for market-data and wait briefly.

GET /api/v1/tokens/{id} used to answer `quote: null` until some socket watched the token.
Now, when no quote is cached, the gateway leases the token in Redis `watch:tokens` (the
contract of gateway/quote_feed.py and market_data/watch.py) for `LEASE_SECONDS`, so
market-data subscribes it at Motilal (whose feed sends the current price on subscribe, or
its REST poller reads the LTP while the feed is down) and keeps it quoted a while, and
waits up to `WAIT_SECONDS` for that first quote to land in Redis.
"""

import asyncio
import time

from common.contracts.quotes import Quote
from common.enums import Exchange
from common.redis_keys import latest_quote, watch_tokens
from redis.asyncio import Redis

LEASE_SECONDS = 120.0
"""How long a token asked for over REST stays subscribed (a form is filled in that time)."""
WAIT_SECONDS = 3.0
"""market-data re-reads the leases every second; the feed's first price follows at once."""
_LOOK_EVERY_SECONDS = 0.1


def usable(quote: Quote | None, exchange: str) -> bool:
    return quote is not None and quote.exchange.value == exchange


async def fresh_quote(redis: Redis, token: int, exchange: str) -> Quote | None:
    """Lease `token` on `exchange` and return its first quote, or None after WAIT_SECONDS."""
    await watch_tokens(redis, [(Exchange(exchange), token)], LEASE_SECONDS)
    deadline = time.monotonic() + WAIT_SECONDS
    while time.monotonic() < deadline:
        await asyncio.sleep(_LOOK_EVERY_SECONDS)
        quote = await latest_quote(redis, Exchange(exchange), token)
        if usable(quote, exchange):
            return quote
    return None
