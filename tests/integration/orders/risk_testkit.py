"""Helpers of the risk-automation tests: prices at the simulator, orders followed to a
status, a client's open positions, and a webhook receiver on a port of its own."""

import asyncio
import contextlib
from collections.abc import AsyncIterator
from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx
import uvicorn
from fastapi import FastAPI, Request, Response
from orders_testkit import order_when, wait_for
from stack.testing import free_port

TICK = Decimal("0.05")


async def ltp(sim: httpx.AsyncClient, token: int) -> Decimal:
    response = await sim.get(f"/sim/prices/NSE/{token}")
    response.raise_for_status()
    return Decimal(response.json()["ltp"])


async def set_price(sim: httpx.AsyncClient, token: int, price: Decimal) -> None:
    price = (price / TICK).to_integral_value(ROUND_DOWN) * TICK
    answer = await sim.post("/sim/prices", json={"exchange": "NSE", "token": token,
                                                 "price": str(price)})  # fmt: skip
    assert answer.status_code == 200, answer.text


async def place(gateway: httpx.AsyncClient, **body: Any) -> str:
    """POST one order (a MARKET INTRADAY buy of 1 unless `body` says otherwise); its id."""
    order = {"execution_type": "BUY", "order_type": "MARKET", "trade_type": "INTRADAY",
             "quantity": 1, **body}  # fmt: skip
    response = await gateway.post("/api/v1/orders/place", json=order)
    assert response.status_code == 202, response.text
    order_id: str = response.json()["orders"][0]["order_id"]
    return order_id


order_in = order_when
"""Wait until the order is in one of the statuses (orders_testkit.order_when)."""


async def open_trades(gateway: httpx.AsyncClient, client_id: str, token: int) -> list[Any]:
    response = await gateway.get(
        "/api/v1/trades", params={"client_id": client_id, "token_id": token, "status": "ACTIVE"}
    )
    response.raise_for_status()
    return [t for t in response.json() if int(t["net_quantity"]) != 0]


async def client_orders(gateway: httpx.AsyncClient, client_id: str, token: int) -> list[Any]:
    response = await gateway.get(
        "/api/v1/orders", params={"client_id": client_id, "token_id": token, "limit": 100}
    )
    response.raise_for_status()
    orders: list[Any] = response.json()["orders"]
    return orders


async def flat(gateway: httpx.AsyncClient, client_id: str, token: int) -> bool:
    return not await open_trades(gateway, client_id, token)


class Receiver:
    """An HTTP server that takes POSTed alerts, answering 503 to the first `fail_first`
    tries of each alert (by event id: other tests' alerts may arrive first)."""

    def __init__(self, fail_first: int = 0) -> None:
        self.port = free_port()
        self.url = f"http://127.0.0.1:{self.port}/hook"
        self.fail_first = fail_first
        self.attempts: list[dict[str, Any]] = []
        self.accepted: list[dict[str, Any]] = []
        app = FastAPI()

        @app.post("/hook")
        async def hook(request: Request) -> Response:
            body = await request.json()
            self.attempts.append(body)
            tries = sum(1 for a in self.attempts if a.get("event_id") == body.get("event_id"))
            if tries <= self.fail_first:
                return Response(status_code=503)
            self.accepted.append(body)
            return Response(status_code=204)

        config = uvicorn.Config(app, host="127.0.0.1", port=self.port, log_level="warning")
        self.server = uvicorn.Server(config)

    @contextlib.asynccontextmanager
    async def running(self) -> AsyncIterator["Receiver"]:
        task = asyncio.create_task(self.server.serve())
        await wait_for(self._started, 10, "the webhook receiver to start")
        try:
            yield self
        finally:
            self.server.should_exit = True
            await task

    async def _started(self) -> bool:
        return bool(self.server.started)
