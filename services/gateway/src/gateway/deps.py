"""FastAPI dependencies that hand routes the service's runtime pieces.

app.py stores the runtime on `app.state.runtime`; routes ask for what they need with
the annotated types below (`pool: deps.Pool`, `settings: deps.Settings`, ...) instead of
importing app.py (which would be circular and untestable).

The dependencies are `async def`: FastAPI runs a plain `def` dependency in its thread pool,
a thread hop per dependency per request, which cost more than the order itself. The plain
functions (`runtime`, `settings`, ...) stay for code that holds a request.
"""

from typing import Annotated, cast

import asyncpg
from common.kafka import Publisher
from common.service import ServiceRuntime
from fastapi import Depends, Request
from redis.asyncio import Redis

from gateway.config import GatewaySettings


def runtime(request: Request) -> ServiceRuntime:
    return cast(ServiceRuntime, request.app.state.runtime)


def pool(request: Request) -> asyncpg.Pool:
    return runtime(request).pool


def redis(request: Request) -> Redis:
    return runtime(request).redis


def publisher(request: Request) -> Publisher:
    return runtime(request).publisher


def settings(request: Request) -> GatewaySettings:
    return cast(GatewaySettings, runtime(request).settings)


async def _pool(request: Request) -> asyncpg.Pool:
    return pool(request)


async def _redis(request: Request) -> Redis:
    return redis(request)


async def _publisher(request: Request) -> Publisher:
    return publisher(request)


async def _settings(request: Request) -> GatewaySettings:
    return settings(request)


Pool = Annotated[asyncpg.Pool, Depends(_pool)]
RedisClient = Annotated[Redis, Depends(_redis)]
KafkaPublisher = Annotated[Publisher, Depends(_publisher)]
Settings = Annotated[GatewaySettings, Depends(_settings)]
