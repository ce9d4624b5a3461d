"""Session-wide real infrastructure for integration and end-to-end tests.

The stack starts only if a test asks for it, so unit tests run without it. Set
POSTGRES_DSN, REDIS_URL or KAFKA_BOOTSTRAP to test against servers of your own.
"""

import json
from collections.abc import AsyncIterator

import pytest
from motilal_sim.testing import generated_accounts
from stack.testing import TestStack

SIM_ACCOUNTS = 210
"""Simulator accounts in every test session: enough for a 200-client batch."""


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestStack]:
    folder = tmp_path_factory.mktemp("stack")
    accounts = folder / "sim-accounts.json"
    accounts.write_text(json.dumps(generated_accounts(SIM_ACCOUNTS)))
    # One accounts file for the simulator, the gateway's demo registration and the
    # adapter's dev logins, whichever test starts them first.
    test_stack = TestStack(
        folder,
        extra_env={
            "MOTILAL_SIM_ACCOUNTS": str(accounts),
            "GATEWAY_DEMO_ACCOUNTS_PATH": str(accounts),
            "BROKER_ADAPTER_DEV_ACCOUNTS_FILE": str(accounts),
            # tests act as a proxy: X-Forwarded-For gives each sign-in test its own address
            "GATEWAY_TRUSTED_PROXIES": "127.0.0.1",
        },
    )
    try:
        await test_stack.start_infra()
        yield test_stack
    finally:
        test_stack.stop()
