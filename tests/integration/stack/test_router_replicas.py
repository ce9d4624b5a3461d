"""Two order-router replicas decide one client's requests one at a time (issue 13 item 9).

Two requests for the same client, each within its available margin but over it together,
are sent at once to a platform running two router processes in one consumer group: the
requests are keyed by batch, so they may land on different replicas. Whichever replica
decides second must see the margin the first one's order holds: exactly one passes, the
other is denied by the margin rule. Several clients at once, so both replicas decide.
"""

import asyncio
import json
import signal
from decimal import ROUND_DOWN, Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from stack.testing import TestStack
from waiting import wait_for

pytestmark = pytest.mark.slow

ORDER_PATH = ["market-data", "portfolio", "order-router", "broker-adapter", "gateway"]
SBIN = 3045
TICK = Decimal("0.05")
CLIENT_INDEXES = range(220, 224)
"""Simulator accounts no other test trades (tests/conftest.py makes 230; e2e trades 200-208)."""
WORKING = {"PENDING", "SUBMITTED"}


async def _gateway(stack: TestStack) -> httpx.AsyncClient:
    url = stack.url_of("gateway")
    async with httpx.AsyncClient(base_url=url, timeout=30) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "admin"}
        )
        assert login.status_code == 200, login.text
        token = login.json()["access_token"]
    return httpx.AsyncClient(base_url=url, timeout=60, headers={"Authorization": f"Bearer {token}"})


async def _register(gateway: httpx.AsyncClient, accounts: list[dict[str, Any]]) -> None:
    for account in accounts:
        code = str(account["client_code"]).upper()
        if (await gateway.get(f"/api/v1/clients/{code}")).status_code == 200:
            continue
        body = {
            "client_id": code, "name": str(account["name"]).title(), "motilal_client_id": code,
            "api_key": account["api_key"], "password": account["password"],
            "dob": account["dob"], "pan": account["pan"],
            "totp_secret": account["totp_secret"], "exchanges": ["NSE", "BSE", "NSEFO"],
        }  # fmt: skip
        created = await gateway.post("/api/v1/clients", json=body)
        assert created.status_code in (200, 201, 409), created.text


def _limit(client: str, quantity: int, price: Decimal) -> dict[str, Any]:
    return {
        "client_id": client, "token_id": SBIN, "exchange": "NSE", "execution_type": "BUY",
        "order_type": "LIMIT", "trade_type": "INTRADAY", "quantity": quantity,
        "price": str(price),
    }  # fmt: skip


async def _router_margin(gateway: httpx.AsyncClient, client: str, price: Decimal) -> Decimal | None:
    """The available margin the router's own copy holds for `client` (its dry run), once a
    1-share order would pass there (session up, margin report read)."""
    body = _limit(client, 1, price)
    del body["client_id"], body["quantity"]
    body["client_orders"] = [{"client_id": client, "quantity": 1}]
    answer = await gateway.post("/api/v1/orders/preview", json=body)
    if answer.status_code != 200:
        return None
    (row,) = answer.json()["rows"]
    if row["available_margin"] is None or not (row["risk"] or {}).get("approved"):
        return None
    return Decimal(row["available_margin"])


async def _decided(gateway: httpx.AsyncClient, order_id: str) -> dict[str, Any] | None:
    answer = await gateway.get(f"/api/v1/orders/{order_id}")
    if answer.status_code != 200:
        return None
    order: dict[str, Any] = answer.json()
    return None if order["status"] in WORKING else order


async def test_two_router_replicas_never_let_one_clients_orders_spend_the_same_margin(
    stack: TestStack,
) -> None:
    accounts_file = Path(stack.platform.extra_env["MOTILAL_SIM_ACCOUNTS"])
    accounts = json.loads(accounts_file.read_text())  # noqa: ASYNC240  (a small local file)
    mine = [accounts[i] for i in CLIENT_INDEXES]
    clients = [str(a["client_code"]).upper() for a in mine]
    await stack.start_simulator()
    await stack.start_services(ORDER_PATH)
    replicas = await stack.start_replicas("order-router", 2)
    gateway = await _gateway(stack)
    placed: list[str] = []
    try:
        await _register(gateway, mine)
        async with httpx.AsyncClient(base_url=stack.simulator_url, timeout=30) as sim:
            quote = await sim.get(f"/sim/prices/NSE/{SBIN}")
            quote.raise_for_status()
        # a buy below the market rests at the broker: its margin stays held
        ticks = Decimal(quote.json()["ltp"]) * Decimal("0.95") / TICK
        price = ticks.to_integral_value(ROUND_DOWN) * TICK
        reconciled = await gateway.post("/api/v1/admin/reconcile", json={"client_ids": clients})
        assert reconciled.status_code == 200, reconciled.text
        margins: dict[str, Decimal] = {}
        for client in clients:
            margins[client] = await wait_for(
                lambda c=client: _router_margin(gateway, c, price),  # type: ignore[misc]
                120,
                f"{client}'s margin in the router",
            )
        # each order needs 60% of the margin (INTRADAY blocks 20% of the value): one fits,
        # two do not
        quantities = {
            c: int(m * Decimal("0.6") / (price * Decimal("0.2"))) for c, m in margins.items()
        }

        async def place(client: str) -> str:
            answer = await gateway.post(
                "/api/v1/orders/place", json=_limit(client, quantities[client], price)
            )
            assert answer.status_code == 202, answer.text
            order_id: str = answer.json()["orders"][0]["order_id"]
            placed.append(order_id)
            return order_id

        pairs = await asyncio.gather(*(asyncio.gather(place(c), place(c)) for c in clients))
        for client, pair in zip(clients, pairs, strict=True):
            orders = [
                await wait_for(lambda o=o: _decided(gateway, o), 120, f"order {o}") for o in pair
            ]  # type: ignore[misc]
            denied = [o for o in orders if o["status"] == "DENIED"]
            passed = [o for o in orders if o["status"] != "DENIED"]
            assert len(passed) == 1 and len(denied) == 1, (client, orders)
            assert denied[0]["rule"] == "margin", denied[0]
            assert "held by orders in flight" in denied[0]["reason"], denied[0]
    finally:
        for order_id in placed:  # leave nothing resting at the shared simulator
            await gateway.post(f"/api/v1/orders/{order_id}/cancel")
        await gateway.aclose()
        for name in replicas[1:]:
            stack.kill(name, signal.SIGTERM)
