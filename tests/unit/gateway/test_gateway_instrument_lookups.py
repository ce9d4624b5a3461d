"""The gateway's instrument lookups: the orders of a burst that all miss the cache share one
market-data call (a stand-in market-data on a loopback socket counts the calls)."""

import asyncio
import json
from collections.abc import AsyncIterator

import httpx
import pytest
from common.enums import Exchange
from gateway.market_data_client import InstrumentCache, InstrumentClient, UnknownInstrument
from gateway.peers import Peer

SBIN = {
    "token": 3045, "exchange": "NSE", "symbol": "SBIN", "lot_size": 1, "tick_size": "0.05",
    "name": "STATE BANK OF INDIA", "instrument_type": "EQ", "tradeable": True,
}  # fmt: skip


class MarketData:
    """Answers GET /internal/instruments/3045 slowly (so callers overlap); 404 otherwise."""

    def __init__(self) -> None:
        self.calls = 0
        self.server: asyncio.Server | None = None

    async def handle(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        while head := await reader.readuntil(b"\r\n\r\n"):
            self.calls += 1
            await asyncio.sleep(0.2)
            found = head.split(b" ")[1].startswith(b"/internal/instruments/3045")
            body = json.dumps(SBIN if found else {"detail": "not found"}).encode()
            status = b"200 OK" if found else b"404 Not Found"
            writer.write(
                b"HTTP/1.1 " + status + b"\r\nContent-Type: application/json\r\n"
                b"Content-Length: " + str(len(body)).encode() + b"\r\n\r\n" + body
            )
            await writer.drain()

    async def url(self) -> str:
        self.server = await asyncio.start_server(self.handle, "127.0.0.1", 0)
        return f"http://127.0.0.1:{self.server.sockets[0].getsockname()[1]}"


@pytest.fixture
async def market_data() -> AsyncIterator[tuple[MarketData, Peer]]:
    md = MarketData()
    async with httpx.AsyncClient(base_url=await md.url()) as http:
        yield md, Peer("market-data", http)
    assert md.server is not None
    md.server.close()


async def test_a_burst_of_misses_makes_one_call(market_data: tuple[MarketData, Peer]) -> None:
    md, peer = market_data
    cache = InstrumentCache(60)
    found = await asyncio.gather(
        *(InstrumentClient(peer, cache).get(3045, Exchange.NSE) for _ in range(50))
    )
    assert {i.symbol for i in found} == {"SBIN"}
    assert md.calls == 1
    await InstrumentClient(peer, cache).get(3045, Exchange.NSE)
    assert md.calls == 1  # cached now


async def test_an_unknown_token_fails_every_waiter_and_is_asked_again_later(
    market_data: tuple[MarketData, Peer],
) -> None:
    md, peer = market_data
    cache = InstrumentCache(60)
    answers = await asyncio.gather(
        *(InstrumentClient(peer, cache).get(999, Exchange.NSE) for _ in range(5)),
        return_exceptions=True,
    )
    assert all(isinstance(a, UnknownInstrument) for a in answers)
    assert md.calls == 1
    with pytest.raises(UnknownInstrument):
        await InstrumentClient(peer, cache).get(999, Exchange.NSE)
    assert md.calls == 2  # a refusal is not cached: a reloaded master may know it
