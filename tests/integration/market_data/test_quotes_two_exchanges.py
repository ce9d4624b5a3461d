"""One token number on two exchanges (DABUR is NSE 772, USDINR26DECFUT is NSECD 772): their
quotes are kept apart from the simulator's feed through market-data, Redis, Kafka and the
gateway to each socket, and the currency quote keeps its 4 decimals."""

import asyncio
import json
from decimal import Decimal
from typing import Any

import httpx
import pytest
import websockets
from stack.testing import TestStack
from waiting import wait_for

TOKEN = 772
NSE_BAND = (Decimal("459"), Decimal("561"))  # DABUR's circuit band in data/tokens.csv
NSECD_BAND = (Decimal("84"), Decimal("92"))  # USDINR26DECFUT's


@pytest.fixture(scope="module")
async def platform(stack: TestStack) -> tuple[str, str, str]:
    """(gateway url, admin token, simulator url) with the simulator and market-data up."""
    simulator = await stack.start_simulator()
    urls = await stack.start_services(["market-data", "gateway"])
    async with httpx.AsyncClient(base_url=urls["gateway"], timeout=30) as http:
        login = await http.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "admin"}
        )
    assert login.status_code == 200, login.text
    return urls["gateway"], login.json()["access_token"], simulator


async def _set_prices(simulator: str) -> None:
    async with httpx.AsyncClient(base_url=simulator, timeout=30) as http:
        for exchange, price in (("NSE", "512.35"), ("NSECD", "88.1225")):
            answer = await http.post(
                "/sim/prices", json={"exchange": exchange, "token": TOKEN, "price": price}
            )
            assert answer.status_code == 200, answer.text


class Socket:
    """One dashboard socket subscribed to one quote channel, keeping every quote it gets."""

    def __init__(self, url: str, channel: str) -> None:
        self.url = url
        self.channel = channel
        self.quotes: list[dict[str, Any]] = []

    async def run(self, stop: asyncio.Event) -> None:
        async with websockets.connect(self.url) as socket:
            assert json.loads(await socket.recv())["type"] == "welcome"
            await socket.send(json.dumps({"action": "subscribe", "channels": [self.channel]}))
            while not stop.is_set():
                try:
                    message = json.loads(await asyncio.wait_for(socket.recv(), 0.5))
                except TimeoutError:
                    continue
                if message.get("type") == "quote":
                    self.quotes.append(message)


async def test_same_token_number_on_nse_and_nsecd_reaches_only_its_own_socket(
    platform: tuple[str, str, str],
) -> None:
    gateway, token, simulator = platform
    ws_url = gateway.replace("http", "ws", 1) + f"/ws?token={token}"
    cash, currency, legacy = (
        Socket(ws_url, f"quotes:NSE:{TOKEN}"),
        Socket(ws_url, f"quotes:NSECD:{TOKEN}"),
        Socket(ws_url, f"quotes:{TOKEN}"),  # the older form means NSE
    )
    stop = asyncio.Event()
    tasks = [asyncio.create_task(s.run(stop)) for s in (cash, currency, legacy)]
    try:
        await _set_prices(simulator)

        async def each_has_two() -> bool:
            for task in tasks:
                if task.done():
                    task.result()  # a socket that failed fails the test with its error
            return all(len(s.quotes) >= 2 for s in (cash, currency, legacy))

        await wait_for(each_has_two, 90, "two quotes on each of the three sockets")
    finally:
        stop.set()
        await asyncio.gather(*tasks, return_exceptions=True)

    for socket, exchange, (low, high) in (
        (cash, "NSE", NSE_BAND),
        (legacy, "NSE", NSE_BAND),
        (currency, "NSECD", NSECD_BAND),
    ):
        for quote in socket.quotes:
            data = quote["data"]
            assert quote["channel"] == socket.channel
            assert (data["exchange"], data["token"]) == (exchange, TOKEN), quote
            assert low <= Decimal(data["ltp"]) <= high, quote
    # quarter-paisa prices: the feed keeps 4 decimals for the currency segment
    assert all(len(q["data"]["ltp"].split(".")[1]) == 4 for q in currency.quotes)

    headers = {"Authorization": f"Bearer {token}"}
    async with httpx.AsyncClient(base_url=gateway, timeout=30, headers=headers) as http:
        nse = (await http.get(f"/api/v1/tokens/{TOKEN}", params={"exchange": "NSE"})).json()
        cd = (await http.get(f"/api/v1/tokens/{TOKEN}", params={"exchange": "NSECD"})).json()
        bare = await http.get(f"/api/v1/tokens/{TOKEN}")
    assert (nse["symbol"], nse["quote"]["exchange"]) == ("DABUR", "NSE")
    assert (cd["symbol"], cd["quote"]["exchange"]) == ("USDINR26DECFUT", "NSECD")
    assert NSECD_BAND[0] <= Decimal(cd["quote"]["ltp"]) <= NSECD_BAND[1]
    assert bare.status_code == 409  # a bare number on two exchanges must say which
