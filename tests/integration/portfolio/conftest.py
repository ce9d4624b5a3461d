"""What the portfolio's integration tests share: the running service, a producer, a client,
and the portfolio's tables in a schema of one test's own."""

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import httpx
import portfolio
import pytest
from aiokafka import AIOKafkaProducer
from common.db import apply_migrations, create_pool
from common.ids import new_id
from stack.testing import TestStack

MIGRATIONS = Path(portfolio.__file__).parent / "migrations"


@pytest.fixture(scope="module")
async def portfolio_url(stack: TestStack) -> str:
    urls = await stack.start_services(["portfolio"])
    return urls["portfolio"]


@pytest.fixture(scope="module")
async def producer(stack: TestStack) -> AsyncIterator[AIOKafkaProducer]:
    kafka = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    await kafka.start()
    yield kafka
    await kafka.stop()


@pytest.fixture
async def http(portfolio_url: str, stack: TestStack) -> AsyncIterator[httpx.AsyncClient]:
    headers = stack.internal_headers()
    async with httpx.AsyncClient(base_url=portfolio_url, timeout=10, headers=headers) as client:
        yield client


@pytest.fixture
async def pool(stack: TestStack) -> AsyncIterator[asyncpg.Pool]:
    """The portfolio's migrations applied in a fresh schema, dropped after the test."""
    schema = f"portfolio_{new_id()[:8]}"
    pool = await create_pool(stack.postgres_dsn, schema)
    try:
        await apply_migrations(pool, schema, MIGRATIONS)
        yield pool
    finally:
        async with pool.acquire() as conn:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()
