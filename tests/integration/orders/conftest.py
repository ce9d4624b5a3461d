"""Fixtures of the order tests; the helpers live in orders_testkit.py (importable)."""

from collections.abc import AsyncIterator

import httpx
import pytest
from orders_testkit import Trading, start_trading
from stack.testing import TestStack


@pytest.fixture(scope="session")
async def trading(stack: TestStack, tmp_path_factory: pytest.TempPathFactory) -> Trading:
    """The whole order path on the session stack, with many simulator accounts if possible."""
    return await start_trading(stack, tmp_path_factory.mktemp("accounts"))


@pytest.fixture
async def gateway(trading: Trading) -> AsyncIterator[httpx.AsyncClient]:
    async with trading.gateway() as client:
        yield client


@pytest.fixture
async def sim(trading: Trading) -> AsyncIterator[httpx.AsyncClient]:
    async with trading.simulator() as client:
        yield client
