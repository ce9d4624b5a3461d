"""The order path on the session stack: every service up, so each exposes its /metrics."""

import sys
from pathlib import Path

import pytest
from stack.testing import TestStack

sys.path.insert(0, str(Path(__file__).parents[1] / "orders"))
from orders_testkit import Trading, start_trading


@pytest.fixture(scope="session")
async def trading(stack: TestStack, tmp_path_factory: pytest.TempPathFactory) -> Trading:
    return await start_trading(stack, tmp_path_factory.mktemp("observability-accounts"))
