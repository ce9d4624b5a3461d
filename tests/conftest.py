"""Session-wide real infrastructure for integration and end-to-end tests.

The stack starts only if a test asks for it, so unit tests run without it. Set
POSTGRES_DSN, REDIS_URL or KAFKA_BOOTSTRAP to test against servers of your own.
"""

import json
from collections.abc import AsyncIterator

import pytest
from motilal_sim.testing import generated_accounts
from stack.testing import TestStack

SIM_ACCOUNTS = 230
"""Simulator accounts in every test session: a 200-client batch, and ranges that one test
each trades alone (each test says which)."""
DEALERS = {"DLRT0001": (230, 231), "DLRT0002": (232, 233)}
"""Dealer logins at the simulator, each acting for two accounts past SIM_ACCOUNTS that no
other test trades (tests/integration/orders/test_dealer_orders.py)."""


def _with_dealers(accounts: list[dict[str, object]]) -> list[dict[str, object]]:
    dealers = [
        {**accounts[0], "client_code": code, "name": f"DEALER DESK {code}", "funds": 0,
         "password": f"Dlr@{code[-4:]}", "api_key": f"dealerkey{code[-4:]}xyz",
         "holdings": [], "allowed_ips": [],
         "dealer_of": [accounts[i]["client_code"] for i in served]}
        for code, served in DEALERS.items()
    ]  # fmt: skip
    return [*accounts, *dealers]


@pytest.fixture(scope="session")
async def stack(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[TestStack]:
    folder = tmp_path_factory.mktemp("stack")
    accounts = folder / "sim-accounts.json"
    served = max(i for s in DEALERS.values() for i in s) + 1
    accounts.write_text(json.dumps(_with_dealers(generated_accounts(served))))
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
