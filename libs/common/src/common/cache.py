"""Redis wiring. Redis holds what is hot and disposable: quotes, windows, flags, tokens."""

from redis.asyncio import Redis
from redis.asyncio.retry import Retry
from redis.backoff import ExponentialBackoff
from redis.exceptions import ConnectionError, TimeoutError

RETRIES = 3
"""A command that meets a dead connection (Redis restarted under us) reconnects and is sent
again, up to this many times, 50 ms to 500 ms apart; only then does the caller see the error."""


def create_redis(url: str) -> Redis:
    return Redis.from_url(
        url,
        decode_responses=True,
        health_check_interval=30,
        retry=Retry(ExponentialBackoff(cap=0.5, base=0.05), RETRIES),
        retry_on_error=[ConnectionError, TimeoutError],
        socket_connect_timeout=2,
    )
