"""Quote fan-out: ticks from the simulator's feed to many WebSocket clients of the gateway.

Each socket subscribes to `quotes:{token}` for a few tokens. The simulator's random walk
is paused, and the bench moves each token's price itself (/sim/prices) at a steady rate,
every price a new value, so a price seen on a socket identifies its tick: tick-to-socket
latency is the socket's receive time minus the moment the bench moved the price (feed ->
market-data -> Kafka -> gateway -> socket). market-data conflates each token to one quote
per `MARKET_DATA_CONFLATE_MS` (75 ms by default), so above ~13 ticks/s per token sockets
get the latest price, not every one: delivered ticks/s says how many arrived.
"""

import asyncio
import contextlib
import json
import time
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import websockets

from bench.harness import Harness, wait_for
from bench.resources import Sampler, Usage, with_self
from bench.stats import Summary

TOKENS = (2885, 11536, 1594, 1333, 3045, 4963, 1660, 5900, 1922, 11483)


@dataclass
class QuoteResult:
    sockets: int
    tokens: int
    ticks_sent: int
    sent_per_s: float
    delivered_per_s: float
    """Quote messages received per second, summed over all sockets."""
    delivered_share: float
    """Share of (ticks x sockets) that reached a socket (conflation drops the rest)."""
    latency: Summary
    usage: Usage

    def as_json(self) -> dict[str, Any]:
        return {
            "sockets": self.sockets,
            "tokens": self.tokens,
            "ticks_sent": self.ticks_sent,
            "ticks_sent_per_s": self.sent_per_s,
            "quotes_delivered_per_s_all_sockets": self.delivered_per_s,
            "delivered_share": self.delivered_share,
            "tick_to_socket": self.latency.as_json(),
            "cpu_percent": self.usage.cpu_percent,
        }


def _key(token: int, price: Any) -> tuple[int, Decimal]:
    return token, Decimal(str(price)).normalize()


class Socket:
    def __init__(self) -> None:
        self.received: list[tuple[float, tuple[int, Decimal]]] = []
        self.ready = asyncio.Event()

    async def run(self, url: str, channels: list[str], stop: asyncio.Event) -> None:
        async with websockets.connect(url, max_size=None, ping_interval=None) as ws:
            await ws.send(json.dumps({"action": "subscribe", "channels": channels}))
            receiving = asyncio.create_task(self._receive(ws))
            await stop.wait()
            receiving.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await receiving

    async def _receive(self, ws: Any) -> None:
        async for raw in ws:
            now = time.time()
            message = json.loads(raw)
            if message.get("type") == "subscribed":
                self.ready.set()
            elif message.get("type") == "quote":
                data = message["data"]
                self.received.append((now, _key(int(data["token"]), data["ltp"])))


async def run_quotes(
    h: Harness, sockets: int, ticks_per_s: float, seconds: float, tokens: int = len(TOKENS)
) -> QuoteResult:
    chosen = list(TOKENS[:tokens])
    await h.sim.post("/sim/walk", json={"paused": True})
    token = await h.login()  # a fresh one: the run may have outlived the first
    url = h.stack.url_of("gateway").replace("http", "ws", 1) + f"/ws?token={token}"
    stop = asyncio.Event()
    clients = [Socket() for _ in range(sockets)]
    runners = [
        asyncio.create_task(c.run(url, [f"quotes:{t}" for t in chosen], stop)) for c in clients
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in clients)), 120)
        prices = {
            t: Decimal((await h.sim.get(f"/sim/prices/NSE/{t}")).json()["ltp"]) for t in chosen
        }
        # market-data starts streaming a token when a socket leases it: wait for the first
        # tick to come through before timing anything.
        await _tick(h, chosen[0], prices)

        async def first_arrived() -> bool:
            return any(c.received for c in clients)

        await wait_for(first_arrived, 60, "the first quote on a socket", every=0.1)
        await asyncio.sleep(1.0)
        for c in clients:
            c.received.clear()
        sent: dict[tuple[int, Decimal], float] = {}
        sampler = Sampler(with_self(h.pids()))
        sampler.start()
        count = round(ticks_per_s * seconds)
        start = time.monotonic()
        for i in range(count):
            delay = start + i / ticks_per_s - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            at, key = await _tick(h, chosen[i % len(chosen)], prices)
            sent[key] = at
        elapsed = time.monotonic() - start
        await asyncio.sleep(2.0)  # the last ticks' way through
        usage = await sampler.stop()
    finally:
        stop.set()
        await asyncio.gather(*runners, return_exceptions=True)
        await h.sim.post("/sim/walk", json={"paused": False})
    latencies = [at - sent[key] for c in clients for at, key in c.received if key in sent]
    delivered = sum(1 for c in clients for _, key in c.received if key in sent)
    return QuoteResult(
        sockets=sockets,
        tokens=len(chosen),
        ticks_sent=len(sent),
        sent_per_s=round(len(sent) / elapsed, 1),
        delivered_per_s=round(delivered / elapsed, 1),
        delivered_share=round(delivered / max(1, len(sent) * sockets), 3),
        latency=Summary.of(latencies),
        usage=usage,
    )


async def _tick(
    h: Harness, token: int, prices: dict[int, Decimal]
) -> tuple[float, tuple[int, Decimal]]:
    """Move `token` up one tick (so every price is new) and say when."""
    price = prices[token] = prices[token] + Decimal("0.05")
    at = time.time()
    response = await h.sim.post(
        "/sim/prices", json={"exchange": "NSE", "token": token, "price": str(price)}
    )
    response.raise_for_status()
    return at, _key(token, response.json()["ltp"])
