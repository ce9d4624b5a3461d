"""Shared helpers for the order tests (order-router + gateway tests and the adapter's).

`trading` starts the whole order path (simulator, market-data, portfolio, order-router,
broker-adapter, gateway) on the session stack, whose simulator, gateway demo registration
and adapter dev logins all read one generated accounts file (tests/conftest.py): the 8
demo accounts of data/sim-accounts.json first, then synthetic ones.
"""

import json
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx
import pytest
from stack.testing import TestStack
from waiting import wait_for

DEMO_ACCOUNTS = json.loads(
    (Path(__file__).resolve().parents[3] / "data" / "sim-accounts.json").read_text()
)
ADMIN = ("admin", "admin")
ORDER_PATH = ["market-data", "portfolio", "order-router", "broker-adapter", "gateway"]


@dataclass
class Trading:
    stack: TestStack
    gateway_url: str
    simulator_url: str
    admin_token: str
    clients: list[str]
    many_accounts: bool
    failing_session_clients: list[str]

    def require(self, clients: int) -> list[str]:
        """`clients` registered client ids the simulator knows, or skip saying why not."""
        if len(self.clients) < clients:
            pytest.skip(
                f"needs {clients} simulator accounts, the running simulator has "
                f"{len(self.clients)}: it was started before the orders fixture (ask for "
                "MOTILAL_SIM_ACCOUNTS in the session stack)"
            )
        return self.clients[:clients]

    def headers(self) -> dict[str, str]:
        return {"Authorization": f"Bearer {self.admin_token}"}

    def gateway(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.gateway_url, timeout=30, headers=self.headers())

    def simulator(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.simulator_url, timeout=30)


async def start_trading(stack: TestStack, folder: Path) -> Trading:
    """Start the order path; see the module docstring for the accounts."""
    accounts_file = Path(stack.platform.extra_env["MOTILAL_SIM_ACCOUNTS"])
    accounts = json.loads(accounts_file.read_text())  # noqa: ASYNC240  (a small local file)
    many = len(accounts) > len(DEMO_ACCOUNTS)
    simulator_url = await stack.start_simulator()
    urls = await stack.start_services(ORDER_PATH)
    async with httpx.AsyncClient(base_url=urls["gateway"], timeout=30) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
        headers = {"Authorization": f"Bearer {token}"}
        # an account that only logs in from another IP: its session FAILS (broker_session)
        # dealers and the accounts they serve belong to the dealer tests (tests/conftest.py)
        served = {str(c).upper() for a in accounts for c in a.get("dealer_of", ())}
        codes = [
            str(a["client_code"]).upper()
            for a in accounts
            if not a.get("allowed_ips")
            and not a.get("dealer_of")
            and str(a["client_code"]).upper() not in served
        ]
        failing = [str(a["client_code"]).upper() for a in accounts if a.get("allowed_ips")]
        await _register_missing(client, headers, accounts)
    return Trading(stack, urls["gateway"], simulator_url, token, codes, many, failing)


async def _register_missing(
    client: httpx.AsyncClient, headers: dict[str, str], accounts: list[dict[str, Any]]
) -> None:
    """Register (as the gateway's demo registration would) accounts not yet clients."""
    for account in accounts:
        if account.get("dealer_of"):
            continue  # a dealer is not a client: the dealer tests register it as a dealer
        code = str(account["client_code"]).upper()
        if (await client.get(f"/api/v1/clients/{code}", headers=headers)).status_code == 200:
            continue
        body = {
            "client_id": code,
            "name": str(account["name"]).title(),
            "motilal_client_id": code,
            "api_key": account["api_key"],
            "password": account["password"],
            "dob": account["dob"],
            "pan": account["pan"],
            "totp_secret": account["totp_secret"],
            "exchanges": ["NSE", "BSE", "NSEFO"],
        }
        created = await client.post("/api/v1/clients", json=body, headers=headers)
        assert created.status_code in (200, 201, 409), created.text


async def sim_counters(sim: httpx.AsyncClient) -> dict[str, Any]:
    response = await sim.get("/sim/counters")
    response.raise_for_status()
    counters: dict[str, Any] = response.json()
    return counters


async def batch_when(
    gateway: httpx.AsyncClient,
    batch_id: str,
    done: Callable[[dict[str, Any]], bool],
    seconds: float = 120,
) -> dict[str, Any]:
    """GET /batches/{id} until `done(batch)`; the orders' last statuses on failure."""
    last: dict[str, Any] = {}

    async def probe() -> dict[str, Any] | None:
        response = await gateway.get(f"/api/v1/batches/{batch_id}")
        if response.status_code != 200:
            return None
        batch: dict[str, Any] = response.json()
        last.update(batch)
        return batch if done(batch) else None

    try:
        return await wait_for(probe, seconds, f"batch {batch_id}")
    except AssertionError as timed_out:
        seen = [
            (o.get("client_id"), o.get("status"), o.get("reason")) for o in last.get("orders", [])
        ]
        raise AssertionError(f"{timed_out}; its orders: {seen}") from None


def complete(batch: dict[str, Any]) -> bool:
    return bool(batch.get("complete"))


def batch_body(token: int, quantities: dict[str, int], **fields: Any) -> dict[str, Any]:
    """An execute-all body: a MARKET INTRADAY buy of `token` per client (`fields` override)."""
    return {
        "token_id": token,
        "execution_type": "BUY",
        "order_type": "MARKET",
        "trade_type": "INTRADAY",
        "client_orders": [{"client_id": c, "quantity": q} for c, q in quantities.items()],
        **fields,
    }


async def execute_all(
    gateway: httpx.AsyncClient,
    body: dict[str, Any],
    done: Callable[[dict[str, Any]], bool] = complete,
    seconds: float = 120,
) -> tuple[dict[str, Any], dict[str, Any]]:
    """POST execute-all (202 asserted) and wait until `done(batch)`: (the answer, the batch)."""
    response = await gateway.post("/api/v1/orders/execute-all", json=body)
    assert response.status_code == 202, response.text
    answer: dict[str, Any] = response.json()
    return answer, await batch_when(gateway, answer["batch_id"], done, seconds)


async def order_when(
    gateway: httpx.AsyncClient, order_id: str, statuses: set[str], seconds: float = 90
) -> dict[str, Any]:
    """GET /orders/{id} until its status is one of `statuses`; the order then."""

    async def probe() -> dict[str, Any] | None:
        response = await gateway.get(f"/api/v1/orders/{order_id}")
        if response.status_code != 200:
            return None
        order: dict[str, Any] = response.json()
        return order if order["status"] in statuses else None

    return await wait_for(probe, seconds, f"order {order_id} in {statuses}")
