"""Every Redis key the services share, in one place (as topics.py is for Kafka), with the
one reader and writer of each: what a key holds is a contract between services.

- `quote:{exchange}:{token}`: the latest Quote of an instrument as JSON (rupees), written
  by market-data, read by the order-router (price band), the broker-adapter (MARKET
  protection), the portfolio (marks) and the gateway (quote snapshots). Keyed by both,
  because token numbers repeat across exchanges (NSE and NSECD use the same small
  numbers). Expires when nobody quotes it.
- `killswitch:{scope}`: the reason a kill switch is engaged for a client id (or `global`);
  absent when released. Written by the order-router; a fast flag for whoever must stop
  without asking the router (the router's own decisions use its tables).
- `watch:tokens`: the instruments frontends watch, as leases in a sorted set
  (`ZADD watch:tokens GT <unix expiry seconds> <EXCHANGE:token>`). Written by every gateway
  replica (`watch_tokens`: it renews what its sockets watch, and a crashed gateway's leases
  simply expire: nothing is counted, so nothing can leak), read by market-data
  (`watched_tokens`), which subscribes them on the feed.
"""

import logging
import time
from collections.abc import Iterable, Sequence

from pydantic import ValidationError
from redis.asyncio import Redis

from common.contracts.quotes import Quote
from common.enums import Exchange

log = logging.getLogger(__name__)


QuoteKey = tuple[Exchange, int]
"""An instrument as the quote cache names it: (exchange, token)."""


def quote_key(exchange: Exchange, token: int) -> str:
    return f"quote:{exchange.value}:{token}"


def kill_switch_key(scope: str) -> str:
    return f"killswitch:{scope}"


WATCH_KEY = "watch:tokens"

Watched = tuple[Exchange | None, int]
"""A watched instrument; no exchange for a bare token leased by an older gateway."""


async def watch_tokens(redis: Redis, instruments: Iterable[QuoteKey], seconds: float) -> None:
    """Lease these instruments for `seconds` more (GT: never shortens a longer lease)."""
    members = sorted({f"{exchange.value}:{token}" for exchange, token in instruments})
    if members:
        expiry = time.time() + seconds
        await redis.zadd(WATCH_KEY, dict.fromkeys(members, expiry), gt=True)


def parse_instrument(text: str) -> Watched | None:
    """The `EXCHANGE:token` form of a watch member (and of a /ws quote channel):
    `BSE:500325` -> (BSE, 500325); a bare `2885` -> (None, 2885); None when neither."""
    exchange_text, _, token_text = text.rpartition(":")
    if not token_text.isdigit():
        return None
    try:
        exchange = Exchange(exchange_text.upper()) if exchange_text else None
    except ValueError:
        return None
    return exchange, int(token_text)


async def watched_tokens(redis: Redis, now: float | None = None) -> list[Watched]:
    """The live leases, most recently renewed first; expired ones are removed."""
    moment = time.time() if now is None else now
    await redis.zremrangebyscore(WATCH_KEY, "-inf", moment)
    members = await redis.zrevrangebyscore(WATCH_KEY, "+inf", moment)
    found = [parse_instrument(str(m)) for m in members]
    return [f for f in found if f is not None]


async def save_quotes(redis: Redis, quotes: Sequence[Quote], ttl_seconds: int) -> None:
    """Overwrite each instrument's latest quote; the TTL only reaps what nobody quotes any more."""
    if not quotes:
        return
    async with redis.pipeline(transaction=False) as pipe:
        for quote in quotes:
            pipe.set(
                quote_key(quote.exchange, quote.token), quote.model_dump_json(), ex=ttl_seconds
            )
        await pipe.execute()


async def latest_quotes(redis: Redis, keys: Sequence[QuoteKey]) -> dict[QuoteKey, Quote]:
    """The latest quote of each (exchange, token) that has one, in one round trip. A value
    that is not a Quote of that very instrument is logged and left out: a reader never
    fails on one bad key."""
    wanted = list(dict.fromkeys(keys))
    if not wanted:
        return {}
    values = await redis.mget([quote_key(e, t) for e, t in wanted])
    found: dict[QuoteKey, Quote] = {}
    for (exchange, token), raw in zip(wanted, values, strict=True):
        if not raw:
            continue
        try:
            quote = Quote.model_validate_json(raw)
        except ValidationError:
            log.warning("%s in Redis is not a Quote; ignoring it", quote_key(exchange, token))
            continue
        if (quote.exchange, quote.token) != (exchange, token):
            log.warning("%s in Redis holds another instrument's quote; ignoring it",
                        quote_key(exchange, token))  # fmt: skip
            continue
        found[(exchange, token)] = quote
    return found


async def latest_quote(redis: Redis, exchange: Exchange, token: int) -> Quote | None:
    return (await latest_quotes(redis, [(exchange, token)])).get((exchange, token))
