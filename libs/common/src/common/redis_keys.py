"""Every Redis key the services share, in one place (as topics.py is for Kafka), with the
one reader and writer of each: what a key holds is a contract between services.

- `quote:{token}`: the latest Quote of a token as JSON (rupees), written by market-data,
  read by the order-router (price band), the broker-adapter (MARKET protection), the
  portfolio (marks) and the gateway (quote snapshots). Expires when nobody quotes it.
- `killswitch:{scope}`: the reason a kill switch is engaged for a client id (or `global`);
  absent when released. Written by the order-router; a fast flag for whoever must stop
  without asking the router (the router's own decisions use its tables).
"""

import logging
from collections.abc import Sequence

from pydantic import ValidationError
from redis.asyncio import Redis

from common.contracts.quotes import Quote

log = logging.getLogger(__name__)


def quote_key(token: int) -> str:
    return f"quote:{token}"


def kill_switch_key(scope: str) -> str:
    return f"killswitch:{scope}"


async def save_quotes(redis: Redis, quotes: Sequence[Quote], ttl_seconds: int) -> None:
    """Overwrite each token's latest quote; the TTL only reaps tokens nobody quotes any more."""
    if not quotes:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for quote in quotes:
            pipe.set(quote_key(quote.token), quote.model_dump_json(), ex=ttl_seconds)
        await pipe.execute()


async def latest_quotes(redis: Redis, tokens: Sequence[int]) -> dict[int, Quote]:
    """The latest quote of each token that has one, in one round trip. A value that is not
    a Quote is logged and left out: a reader never fails on one bad key."""
    if not tokens:
        return {}
    values = await redis.mget([quote_key(t) for t in tokens])
    found: dict[int, Quote] = {}
    for token, raw in zip(tokens, values, strict=True):
        if not raw:
            continue
        try:
            found[token] = Quote.model_validate_json(raw)
        except ValidationError:
            log.warning("%s in Redis is not a Quote; ignoring it", quote_key(token))
    return found


async def latest_quote(redis: Redis, token: int) -> Quote | None:
    return (await latest_quotes(redis, [token])).get(token)
