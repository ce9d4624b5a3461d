"""The order path on the session stack for the CLI tests, and a way to run `platform`."""

import sys
from pathlib import Path

import pytest
from stack.testing import TestStack

sys.path.insert(0, str(Path(__file__).parents[1] / "integration" / "orders"))
from cli_kit import Cli
from orders_testkit import Trading, start_trading


@pytest.fixture(scope="session")
async def trading(stack: TestStack, tmp_path_factory: pytest.TempPathFactory) -> Trading:
    return await start_trading(stack, tmp_path_factory.mktemp("cli-accounts"))


@pytest.fixture
def cli(trading: Trading, tmp_path: Path) -> Cli:
    return Cli(trading.gateway_url, tmp_path / "config")
