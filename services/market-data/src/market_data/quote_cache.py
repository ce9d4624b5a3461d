"""Latest quotes in Redis at `quote:{token}` (value: Quote JSON), read by every service."""

from collections.abc import Sequence

from common.contracts.quotes import Quote
from common.topics import QUOTES
from redis.asyncio import Redis


def quote_key(token: int) -> str:
    return f"quote:{token}"


async def save_quotes(redis: Redis, quotes: Sequence[Quote], ttl_seconds: int) -> None:
    """Overwrite each token's latest quote; the TTL only reaps tokens nobody quotes any more."""
    if not quotes:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for quote in quotes:
            pipe.set(quote_key(quote.token), quote.model_dump_json(), ex=ttl_seconds)
        await pipe.execute()


async def latest_quote(redis: Redis, token: int) -> Quote | None:
    raw = await redis.get(quote_key(token))
    if raw is None:
        return None
    quote = QUOTES.parse(raw)
    assert isinstance(quote, Quote)
    return quote


async def latest_quotes(redis: Redis, tokens: Sequence[int]) -> dict[int, Quote]:
    if not tokens:
        return {}
    values = await redis.mget([quote_key(t) for t in tokens])
    found: dict[int, Quote] = {}
    for token, raw in zip(tokens, values, strict=True):
        if raw is not None:
            quote = QUOTES.parse(raw)
            assert isinstance(quote, Quote)
            found[token] = quote
    return found
