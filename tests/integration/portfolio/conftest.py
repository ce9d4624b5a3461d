"""What the portfolio's integration tests share: the running service, a producer, a client."""

from collections.abc import AsyncIterator

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from stack.testing import TestStack


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
