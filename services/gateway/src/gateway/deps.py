"""FastAPI dependencies that hand routes the service's runtime pieces.

app.py stores the runtime on `app.state.runtime`; routes ask for what they need with
the annotated types below (`pool: deps.Pool`, `settings: deps.Settings`, ...) instead of
importing app.py (which would be circular and untestable).
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


Pool = Annotated[asyncpg.Pool, Depends(pool)]
RedisClient = Annotated[Redis, Depends(redis)]
KafkaPublisher = Annotated[Publisher, Depends(publisher)]
Settings = Annotated[GatewaySettings, Depends(settings)]
