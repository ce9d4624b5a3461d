"""Redis wiring. Redis holds what is hot and disposable: quotes, windows, flags, tokens."""

from redis.asyncio import Redis


def create_redis(url: str) -> Redis:
    return Redis.from_url(url, decode_responses=True, health_check_interval=30)
