"""The `watch:tokens` contract (common.redis_keys) on a real Redis: gateways lease what
their sockets watch, market-data reads the live leases."""

import time

from common.enums import Exchange
from common.redis_keys import WATCH_KEY, watch_tokens, watched_tokens
from redis.asyncio import Redis
from stack.testing import TestStack

DB = 9
"""A database of its own: the stack's market-data subscribes what db 0 watches."""


async def test_leases_name_the_exchange_renew_without_shortening_and_expire(
    stack: TestStack,
) -> None:
    redis = Redis.from_url(stack.redis_url.rsplit("/", 1)[0] + f"/{DB}", decode_responses=True)
    try:
        await redis.delete(WATCH_KEY)
        await watch_tokens(redis, [(Exchange.NSE, 772), (Exchange.NSECD, 772)], 30)
        assert sorted(await redis.zrange(WATCH_KEY, 0, -1)) == ["NSE:772", "NSECD:772"]
        lease = await redis.zscore(WATCH_KEY, "NSE:772")
        await watch_tokens(redis, [(Exchange.NSE, 772)], 5)  # a shorter lease keeps the longer
        assert await redis.zscore(WATCH_KEY, "NSE:772") == lease
        await redis.zadd(WATCH_KEY, {"2885": time.time() + 30, "BSE:1": time.time() - 1})
        live = await watched_tokens(redis)
        assert sorted(live, key=str) == sorted(
            [(Exchange.NSE, 772), (Exchange.NSECD, 772), (None, 2885)], key=str
        )
        assert await redis.zscore(WATCH_KEY, "BSE:1") is None  # the expired lease is gone
    finally:
        await redis.delete(WATCH_KEY)
        await redis.aclose()
