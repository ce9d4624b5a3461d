"""Tokens over the public API and quotes over /ws, through real processes and the broker.

Gateway and market-data run as real processes on the session's stack; quotes travel
simulator feed -> market-data -> Kafka -> gateway -> WebSocket.
"""

import asyncio
import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import httpx
import pytest
import websockets
from aiokafka import AIOKafkaProducer
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.ids import new_id
from common.topics import QUOTES
from market_data_testkit import RawWebSocket
from stack.testing import TestStack
from waiting import wait_for as eventually

SBIN = 3045
# Tokens no simulator quotes: the conflation test publishes their quotes itself.
TEST_TOKEN = 779_001


class Gateway:
    def __init__(self, url: str, admin: str, viewer: str) -> None:
        self.url = url
        self.admin = {"Authorization": f"Bearer {admin}"}
        self.viewer = {"Authorization": f"Bearer {viewer}"}
        self.viewer_token = viewer

    def http(self) -> httpx.AsyncClient:
        return httpx.AsyncClient(base_url=self.url, timeout=60)

    def ws_url(self) -> str:
        return self.url.replace("http", "ws", 1) + f"/ws?token={self.viewer_token}"


@pytest.fixture(scope="module")
async def gateway(stack: TestStack) -> Gateway:
    await stack.start_simulator()
    urls = await stack.start_services(["market-data", "gateway"])
    async with httpx.AsyncClient(base_url=urls["gateway"], timeout=30) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "admin"}
        )
        assert login.status_code == 200, login.text
        admin = login.json()["access_token"]
        viewer_name = f"viewer-{new_id()[:8]}"
        created = await http.post(
            "/api/v1/users",
            headers={"Authorization": f"Bearer {admin}"},
            json={"username": viewer_name, "password": "viewer-password-1", "role": "viewer"},
        )
        assert created.status_code in (200, 201), created.text
        login = await http.post(
            "/api/v1/auth/login", json={"username": viewer_name, "password": "viewer-password-1"}
        )
        viewer = login.json()["access_token"]
    return Gateway(urls["gateway"], admin, viewer)


# ---- REST ------------------------------------------------------------------------------


async def test_search_by_prefix_ranks_exact_symbol_first(gateway: Gateway) -> None:
    async with gateway.http() as http:
        response = await http.get(
            "/api/v1/tokens/search", params={"q": "reliance"}, headers=gateway.viewer
        )
    assert response.status_code == 200
    results = response.json()
    assert [(r["symbol"], r["exchange"], r["match"]) for r in results[:3]] == [
        ("RELIANCE", "NSE", "exact_symbol"),
        ("RELIANCE", "BSE", "exact_symbol"),
        ("RELIANCE26DECFUT", "NSEFO", "symbol_prefix"),
    ]


async def test_search_without_token_is_401(gateway: Gateway) -> None:
    async with gateway.http() as http:
        response = await http.get("/api/v1/tokens/search", params={"q": "sbin"})
    assert response.status_code == 401


async def test_token_by_id_returns_instrument_and_quote_key(gateway: Gateway) -> None:
    async with gateway.http() as http:
        found = await http.get(f"/api/v1/tokens/{SBIN}", headers=gateway.viewer)
        missing = await http.get("/api/v1/tokens/987654", headers=gateway.viewer)
    assert found.status_code == 200
    body = found.json()
    assert (body["symbol"], body["exchange"], body["tradeable"]) == ("SBIN", "NSE", True)
    assert "quote" in body
    assert missing.status_code == 404
    assert missing.json()["detail"] == "unknown token 987654"


async def test_reload_needs_admin_and_reports_rows(gateway: Gateway) -> None:
    async with gateway.http() as http:
        denied = await http.post("/api/v1/tokens/reload", headers=gateway.viewer, json={})
        reloaded = await http.post("/api/v1/tokens/reload", headers=gateway.admin, json={})
        scrips = await http.post(
            "/api/v1/tokens/reload",
            headers=gateway.admin,
            json={"source": "scrip_master", "exchanges": ["NSE"]},
        )
        nothing = await http.post(
            "/api/v1/tokens/reload",
            headers=gateway.admin,
            json={"source": "scrip_master", "exchanges": ["NSE", "MCX"]},
        )
        after = await http.get(f"/api/v1/tokens/{SBIN}", headers=gateway.viewer)
    assert denied.status_code == 403
    # The simulator lists no MCX instruments: a 422 naming that entry, nothing replaced.
    assert nothing.status_code == 422, nothing.text
    assert nothing.json()["detail"][0]["loc"] == ["body", "exchanges", 1]
    assert reloaded.status_code == 200, reloaded.text
    assert reloaded.json()["source"] == "file"
    assert reloaded.json()["rows"] >= 50
    assert scrips.status_code == 200, scrips.text
    assert scrips.json()["source"] == "scrip_master"
    assert scrips.json()["rows"] > 0
    # The file's curated row still wins over the scrip master's.
    assert after.json()["name"] == "State Bank of India"


# ---- WebSocket -------------------------------------------------------------------------


async def _subscribe(socket: Any, channel: str) -> None:
    assert json.loads(await socket.recv())["type"] == "welcome"
    await socket.send(json.dumps({"action": "subscribe", "channels": [channel]}))


async def test_ws_quote_from_simulator_feed_reaches_socket(gateway: Gateway) -> None:
    """Subscribing makes the gateway lease the token, market-data subscribe on the feed, and
    the simulator's ticks come back through Kafka to this socket."""
    async with websockets.connect(gateway.ws_url()) as socket:
        await _subscribe(socket, f"quotes:{SBIN}")

        async def quote() -> dict[str, Any] | None:
            message = json.loads(await asyncio.wait_for(socket.recv(), 30))
            return message if message.get("type") == "quote" else None

        message = await eventually(quote, 60, f"a quote on quotes:{SBIN}")
    assert message["channel"] == f"quotes:{SBIN}"
    assert message["data"]["token"] == SBIN
    assert message["data"]["exchange"] == "NSE"
    assert Decimal(message["data"]["ltp"]) > 0


def _quote(token: int, ltp: str) -> Quote:
    return Quote(
        token=token,
        exchange=Exchange.NSE,
        ltp=Decimal(ltp),
        quoted_at=datetime.now(UTC),
        correlation_id="test",
        actor="test",
    )


async def _publish(producer: AIOKafkaProducer, quote: Quote) -> None:
    await producer.send_and_wait(
        QUOTES.name, quote.model_dump_json().encode(), key=str(quote.token).encode()
    )


async def _jam(socket: Any) -> None:
    request = json.dumps(
        {"action": "unsubscribe", "channels": [f"quotes:{800_000 + i}" for i in range(3000)]}
    )
    for _ in range(150):
        await socket.send(request)


async def test_ws_slow_client_gets_latest_value_while_fast_client_gets_every_update(
    gateway: Gateway, stack: TestStack
) -> None:
    updates = [f"{100 + i}.00" for i in range(10)]
    # This client reads nothing until told, so the gateway's sends to it back up (as with a
    # phone on a bad network).
    slow = await RawWebSocket.connect(gateway.ws_url())
    fast = await websockets.connect(gateway.ws_url())
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, linger_ms=0)
    jammer: asyncio.Task[None] | None = None
    try:
        await producer.start()
        await _subscribe(fast, f"quotes:{TEST_TOKEN}")
        await _subscribe(slow, f"quotes:{TEST_TOKEN}")
        assert json.loads(await fast.recv())["type"] == "subscribed"

        # The gateway joins the quote topic from "latest": wait until it delivers.
        async def delivered() -> bool:
            await _publish(producer, _quote(TEST_TOKEN, "99.00"))
            try:
                message = json.loads(await asyncio.wait_for(fast.recv(), 1))
            except TimeoutError:
                return False
            return message.get("type") == "quote"

        await eventually(delivered, 60, "the gateway's quote consumer to deliver")
        while True:  # drain anything still in flight from the warm-up
            try:
                await asyncio.wait_for(fast.recv(), 1)
            except TimeoutError:
                break

        # Back the slow socket up: its replies (~7 MB of "unsubscribed" echoes) fill every
        # buffer between the gateway and this client, which reads nothing for now. (Quote
        # traffic would not do: the gateway conflates it per channel even for a client that
        # keeps up, so it never adds up to megabytes.)
        jammer = asyncio.create_task(_jam(slow))
        await asyncio.sleep(3)

        # Now the updates both follow, spaced so each is its own fetch.
        fast_seen: list[str] = []
        for ltp in updates:
            await _publish(producer, _quote(TEST_TOKEN, ltp))
            message = json.loads(await asyncio.wait_for(fast.recv(), 20))
            assert message["channel"] == f"quotes:{TEST_TOKEN}"
            fast_seen.append(message["data"]["ltp"])
        assert fast_seen == updates

        # The slow client finally reads: of the ten, it gets the latest, not a backlog.
        await asyncio.sleep(1)
        slow_seen: list[str] = []
        total = 0
        while True:
            try:
                message = json.loads(await asyncio.wait_for(slow.recv(), 3))
            except TimeoutError:
                break
            total += 1
            if message.get("channel") == f"quotes:{TEST_TOKEN}":
                slow_seen.append(message["data"]["ltp"])
        new = [ltp for ltp in slow_seen if ltp in updates]
        assert new, "the slow client got none of the updates"
        assert new[-1] == updates[-1]
        assert len(new) < len(updates), f"no conflation: the slow client got {new} of {total}"
    finally:
        if jammer is not None:
            jammer.cancel()
        slow.close()
        await fast.close()
        await producer.stop()
