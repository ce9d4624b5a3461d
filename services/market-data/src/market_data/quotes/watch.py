"""Tokens frontends watch, as leases in the Redis sorted set `watch:tokens`.

Contract (written by every gateway replica, read by market-data):
    ZADD watch:tokens GT <unix expiry seconds> <member>
where member is a token ("2885") or exchange:token ("BSE:500325"). A gateway renews the
lease of every token its sockets watch (e.g. every 10 s for 30 s); a crashed gateway's
leases simply expire. No counting, so nothing can leak or go negative.
"""

import time

from common.enums import Exchange
from redis.asyncio import Redis

WATCH_KEY = "watch:tokens"


def parse_member(member: str) -> tuple[Exchange | None, int] | None:
    exchange_text, _, token_text = member.rpartition(":")
    if not token_text.isdigit():
        return None
    try:
        exchange = Exchange(exchange_text.upper()) if exchange_text else None
    except ValueError:
        return None
    return exchange, int(token_text)


async def watched(redis: Redis, now: float | None = None) -> list[tuple[Exchange | None, int]]:
    """Live leases, most recently renewed first; expired ones are removed."""
    moment = time.time() if now is None else now
    await redis.zremrangebyscore(WATCH_KEY, "-inf", moment)
    members = await redis.zrevrangebyscore(WATCH_KEY, "+inf", moment)
    found = [parse_member(str(m)) for m in members]
    return [f for f in found if f is not None]


async def lease(redis: Redis, members: list[str], seconds: float) -> None:
    """Watch `members` for `seconds` more (what a gateway calls; used by tests too)."""
    if members:
        expiry = time.time() + seconds
        await redis.zadd(WATCH_KEY, dict.fromkeys(members, expiry), gt=True)
