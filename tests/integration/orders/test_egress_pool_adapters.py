"""Two broker-adapters in two egress pools on one platform place each order once, from the
pool that owns its client (issue 15 item 5; broker_adapter/egress.py).

The session's adapter (it serves every client) is stopped, and two are started on the same
database and commands topic: `default` (the session adapter's port, so the gateway still
reaches it) and `mumbai-a`. One client is given an identity in pool mumbai-a (local IP
127.0.0.2, a second loopback address), another has none. One execute-all over both: each
order is placed exactly once at the simulator, the mumbai client's by the mumbai-a adapter
from 127.0.0.2 and the other's by the default adapter; neither adapter placed the other's.
The session's adapter is started again afterwards as it was.
"""

import contextlib
from collections.abc import AsyncIterator, Iterator
from typing import Any

import httpx
import pytest
from orders_testkit import Trading, batch_body, execute_all, sim_counters
from stack.testing import TestStack
from waiting import wait_for

pytestmark = pytest.mark.slow

RELIANCE = 2885
POOLS = "default,mumbai-a"
IDENTITY = {
    "public_ip": "49.36.12.9", "local_ip": "127.0.0.2", "mac_address": "02:42:ac:11:00:98",
    "egress_pool": "mumbai-a",
}  # fmt: skip
MUMBAI = "broker-adapter-2"
DEFAULT = "broker-adapter"


@contextlib.contextmanager
def started_with(stack: TestStack, env: dict[str, str]) -> Iterator[None]:
    """Processes started in the block get `env` too (the launcher passes extra_env on)."""
    before = stack.platform.extra_env
    stack.platform.extra_env = {**before, **env}
    try:
        yield
    finally:
        stack.platform.extra_env = before


def pool_env(pool: str) -> dict[str, str]:
    return {"BROKER_ADAPTER_EGRESS_POOL": pool, "BROKER_ADAPTER_EGRESS_POOLS": POOLS}


@pytest.fixture
async def two_pools(trading: Trading) -> AsyncIterator[TestStack]:
    stack = trading.stack
    stack.kill(DEFAULT)
    try:
        with started_with(stack, pool_env("default")):
            await stack.restart(DEFAULT)
        with started_with(stack, pool_env("mumbai-a")):
            assert await stack.start_replicas("broker-adapter", 2) == [DEFAULT, MUMBAI]
        yield stack
    finally:
        for name in (MUMBAI, DEFAULT):
            with contextlib.suppress(KeyError, ProcessLookupError):
                stack.kill(name)
        await stack.restart(DEFAULT)  # every client again, as the other tests expect


async def _logged_in_from_pool(
    gateway: httpx.AsyncClient, sim: httpx.AsyncClient, code: str
) -> None:
    async def probe() -> bool:
        login = (await sim.get("/sim/callers")).json().get(code, {}).get("login", {})
        session = (await gateway.get(f"/api/v1/clients/{code}")).json().get("session") or {}
        return login.get("peer") == "127.0.0.2" and session.get("state") == "ACTIVE"

    await wait_for(probe, 90, f"{code} logged in by the mumbai-a pool from 127.0.0.2")


def _placed(counters: dict[str, Any], client: str) -> int:
    return int(counters.get("orders_placed", {}).get(client, 0))


async def test_each_pool_places_only_its_own_clients_order_once(
    two_pools: TestStack, trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    mumbai, plain = trading.require(226)[224:226]  # accounts no other test trades
    changed = await gateway.put(f"/api/v1/clients/{mumbai}", json={"network_identity": IDENTITY})
    assert changed.status_code == 200, changed.text
    assert changed.json()["network_identity"]["egress_pool"] == "mumbai-a"
    await _logged_in_from_pool(gateway, sim, mumbai)
    before = await sim_counters(sim)

    _, batch = await execute_all(gateway, batch_body(RELIANCE, {mumbai: 1, plain: 1}))

    statuses = {o["client_id"]: o["status"] for o in batch["orders"]}
    assert statuses == {mumbai: "FILLED", plain: "FILLED"}, batch
    after = await sim_counters(sim)
    assert {c: _placed(after, c) - _placed(before, c) for c in (mumbai, plain)} == {
        mumbai: 1,
        plain: 1,
    }
    placed_by = {
        o["client_id"]: [
            name
            for name in (DEFAULT, MUMBAI)
            if f"command.place {o['order_id']}: placed" in two_pools.log_of(name)
        ]
        for o in batch["orders"]
    }
    assert placed_by == {mumbai: [MUMBAI], plain: [DEFAULT]}
    assert (await sim.get("/sim/callers")).json()[mumbai]["place_order"]["peer"] == "127.0.0.2"
