"""The gateway's portfolio API over real services: trades, exits, holders, the live channel.

Fills are published to orders.events.v1 by the test (as the adapter would); exits are
checked on orders.requests.v1 (the order-router's input), so this runs without a broker.
"""

import asyncio
import json
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import Any
from urllib.parse import quote

import httpx
import pytest
import websockets
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from common.contracts.envelope import Message
from common.contracts.order_events import OrderFilled
from common.enums import Side
from common.ids import new_id
from common.topics import ORDER_EVENTS, ORDER_REQUESTS, Topic
from factories import RELIANCE, make
from portfolio_testkit import until
from stack.testing import TestStack

TOKEN = RELIANCE.token


@pytest.fixture(scope="module")
async def urls(stack: TestStack) -> dict[str, str]:
    return await stack.start_services(["portfolio", "gateway"])


@pytest.fixture(scope="module")
async def api(urls: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=urls["gateway"], timeout=30) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "admin"}
        )
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client


async def publish(producer: AIOKafkaProducer, topic: Topic, message: Message) -> None:
    await producer.send_and_wait(
        topic.name, message.model_dump_json().encode(), key=topic.key_of(message)
    )


async def buy(producer: AIOKafkaProducer, client_id: str, qty: int, price: str) -> None:
    trade_no = new_id()[:12]
    await publish(
        producer,
        ORDER_EVENTS,
        make(OrderFilled, client_id=client_id, order_id=f"o-{trade_no}", trade_no=trade_no,
             side=Side.BUY, quantity=qty, filled_quantity=qty, price=Decimal(price)),
    )  # fmt: skip


async def requests_for(bootstrap: str, batch_id: str) -> dict[str, Any]:
    consumer = AIOKafkaConsumer(
        ORDER_REQUESTS.name, bootstrap_servers=bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()

    async def request() -> dict[str, Any] | None:
        for records in (await consumer.getmany(timeout_ms=300)).values():
            for r in records:
                body = json.loads(r.value)
                if body.get("batch_id") == batch_id:
                    return dict(body)
        return None

    try:
        found: dict[str, Any] = await until(request, 30)
        return found
    finally:
        await consumer.stop()


async def test_gateway_trades_list_get_and_exit_publish_exit_request(
    api: httpx.AsyncClient, producer: AIOKafkaProducer, stack: TestStack
) -> None:
    client = f"g-{new_id()[:10]}"
    await buy(producer, client, 6, "2500")

    async def listed() -> list[dict] | None:
        answer = await api.get("/api/v1/trades", params={"client_id": client, "status": "ACTIVE"})
        assert answer.status_code == 200, answer.text
        return answer.json() or None

    (trade,) = await until(listed)
    assert trade["net_quantity"] == 6 and trade["token"] == TOKEN
    one = await api.get(f"/api/v1/trades/{trade['trade_id']}")
    assert one.status_code == 200 and one.json()["trade_id"] == trade["trade_id"]
    assert (await api.get("/api/v1/trades/pos_missing")).status_code == 404
    bad = await api.get("/api/v1/trades", params={"status": "OPEN"})
    assert bad.status_code == 422

    exited = await api.post(f"/api/v1/trades/{trade['trade_id']}/exit")
    assert exited.status_code == 202, exited.text
    body = exited.json()
    (order,) = body["orders"]
    request = await requests_for(stack.kafka_bootstrap, body["batch_id"])
    assert request["type"] == "trade.exit_requested"
    assert request["position_id"] == trade["trade_id"]
    assert request["order_id"] == order["order_id"] and request["client_id"] == client
    assert (request["token_id"], request["trade_type"]) == (TOKEN, "INTRADAY")
    assert request["actor"] == "admin"
    # the trade stays ACTIVE: it closes when the exit's fill arrives, not now
    assert (await api.get(f"/api/v1/trades/{trade['trade_id']}")).json()["status"] == "ACTIVE"


async def test_gateway_exit_by_token_names_each_holder_and_refuses_non_holders(
    api: httpx.AsyncClient, producer: AIOKafkaProducer, stack: TestStack
) -> None:
    token = 1594  # INFY: this test's own token, held only by its clients
    holders = [f"h-{new_id()[:10]}" for _ in range(3)]
    for i, client in enumerate(holders):
        trade_no = new_id()[:12]
        instrument = RELIANCE.model_copy(update={"token": token, "symbol": "INFY"})
        await publish(
            producer,
            ORDER_EVENTS,
            make(OrderFilled, client_id=client, order_id=f"o-{trade_no}", trade_no=trade_no,
                 instrument=instrument, quantity=i + 1, filled_quantity=i + 1,
                 price=Decimal("1500")),
        )  # fmt: skip

    async def all_held() -> dict | None:
        answer = await api.get(f"/api/v1/tokens/{token}/holders")
        assert answer.status_code == 200, answer.text
        found = answer.json()
        mine = [h for h in found["holders"] if h["client_id"] in holders]
        return found if len(mine) == 3 else None

    found = await until(all_held)
    mine = {h["client_id"]: h for h in found["holders"] if h["client_id"] in holders}
    assert mine[holders[2]]["quantity"] == 3
    assert Decimal(mine[holders[2]]["average_price"]) == Decimal("1500")

    refused = await api.post(
        f"/api/v1/trades/exit-by-token/{token}", json={"client_ids": [holders[0], "nobody"]}
    )
    assert refused.status_code == 422
    assert refused.json()["detail"][0]["loc"] == ["body", "client_ids", 1]

    chosen = await api.post(
        f"/api/v1/trades/exit-by-token/{token}", json={"client_ids": holders[:2]}
    )
    assert chosen.status_code == 202, chosen.text
    request = await requests_for(stack.kafka_bootstrap, chosen.json()["batch_id"])
    assert request["type"] == "trade.exit_by_token_requested"
    assert sorted(o["client_id"] for o in request["orders"]) == sorted(holders[:2])
    assert all(o["quantity"] is None for o in request["orders"])

    everyone = await api.post(f"/api/v1/trades/exit-by-token/{token}")
    assert everyone.status_code == 202, everyone.text
    assert {o["client_id"] for o in everyone.json()["orders"]} >= set(holders)

    nobody = await api.post("/api/v1/trades/exit-by-token/999999")
    assert nobody.status_code == 422


async def test_gateway_portfolio_channel_pushes_position_changes(
    urls: dict[str, str], api: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    client = f"w-{new_id()[:10]}"
    token = api.headers["Authorization"].split()[1]
    ws_url = urls["gateway"].replace("http", "ws") + f"/ws?token={token}"
    async with websockets.connect(ws_url) as socket:
        await socket.send(json.dumps({"action": "subscribe", "channels": [f"portfolio:{client}"]}))
        frames = [json.loads(await asyncio.wait_for(socket.recv(), 10)) for _ in range(2)]
        assert "subscribed" in [f["type"] for f in frames], frames
        await buy(producer, client, 2, "2500")  # bought again below if the feed joins later
        deadline = asyncio.get_running_loop().time() + 60
        seen: list[dict] = []
        while asyncio.get_running_loop().time() < deadline:
            try:
                frame = json.loads(await asyncio.wait_for(socket.recv(), 5))
            except TimeoutError:
                await buy(producer, client, 1, "2500")  # joined late: send another
                continue
            seen.append(frame)
            if frame.get("type") == "position":
                break
    position = next(f for f in seen if f.get("type") == "position")
    assert position["channel"] == f"portfolio:{client}"
    assert position["data"]["client_id"] == client and position["data"]["net_quantity"] >= 2


async def test_gateway_client_portfolio_unknown_client_is_404(api: httpx.AsyncClient) -> None:
    answer = await api.get("/api/v1/clients/nobody-here/portfolio")
    assert answer.status_code == 404 and "nobody-here" in answer.json()["detail"]


async def test_gateway_client_list_and_portfolio_carry_funds_and_pnl(
    api: httpx.AsyncClient,
) -> None:
    async def listed() -> list[dict[str, Any]]:
        answer = await api.get("/api/v1/clients")
        assert answer.status_code == 200, answer.text
        return list(answer.json())

    clients = await until(listed)  # the dev stack registers the demo clients at start
    assert all("portfolio" in c for c in clients)
    first = clients[0]
    assert first["portfolio"] is not None and "total_pnl" in first["portfolio"]
    # today's realized beside the total, and the trading date "today" means
    assert first["portfolio"]["realized_pnl_today"] is not None
    assert first["portfolio"]["trading_date"] is not None
    detail = await api.get(f"/api/v1/clients/{first['client_id']}")
    assert detail.status_code == 200 and "margin_available" in detail.json()["portfolio"]
    portfolio = await api.get(f"/api/v1/clients/{first['client_id']}/portfolio")
    assert portfolio.status_code == 200, portfolio.text
    body = portfolio.json()
    assert body["client_id"] == first["client_id"]
    assert {"funds", "positions", "recent_orders", "recent_fills"} <= set(body)
    funds_rows = (await api.get("/api/v1/portfolio/clients")).json()
    assert {r["client_id"] for r in funds_rows} == {c["client_id"] for c in clients}


async def test_gateway_odd_ids_and_tokens_are_422_or_404_never_5xx(api: httpx.AsyncClient) -> None:
    # Found by the fuzz drill: a token past PostgreSQL's integer reached the portfolio (500),
    # and a control character in a trade id broke the internal URL (500).
    too_big = await api.get("/api/v1/trades", params={"token_id": 2**31})
    assert too_big.status_code == 422 and too_big.json()["detail"][0]["loc"] == [
        "query",
        "token_id",
    ]
    control = await api.post("/api/v1/trades/z%1F/exit")
    assert control.status_code == 422 and control.json()["detail"][0]["loc"] == ["path"]
    nul_filter = await api.get("/api/v1/trades", params={"client_id": "C\x00"})
    assert nul_filter.status_code == 422
    assert nul_filter.json()["detail"][0]["loc"] == ["query", "client_id"]
    for odd in ("a?b", "a#b", "..", "x/../../positions"):
        answer = await api.get(f"/api/v1/trades/{quote(odd, safe='')}")
        assert answer.status_code == 404, (odd, answer.text)
