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

TOKENS = (
    2885, 11536, 1594, 1333, 3045, 4963, 1660, 5900, 1922, 11483, 1394, 10604, 317, 16675,
    236, 10999, 3506, 3351, 11532, 3787, 7229, 13538, 17963, 14977, 11630, 2475, 20374, 3499,
    11723, 1363, 1232, 25, 15083, 2031, 16669, 1348, 910, 694, 881, 10940, 157, 547, 3432,
    5258, 21808, 467, 526, 3103, 14732, 383,
)  # fmt: skip
"""50 NSE equities of data/tokens.csv."""
SEND_EVERY_S = 0.01
"""Ticks go to the simulator in one request per 10 ms (one request a tick would measure
the bench's HTTP client, not the quote path)."""


@dataclass
class QuoteResult:
    sockets: int
    tokens: int
    ticks_sent: int
    sent_per_s: float
    delivered_per_s: float
    """Quote messages received per second, summed over all sockets."""
    delivered_share: float
    """Share of (ticks x sockets watching the token) that reached a socket (conflation
    drops the rest)."""
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
    h: Harness,
    sockets: int,
    ticks_per_s: float,
    seconds: float,
    tokens: int = len(TOKENS),
    per_socket: int = 5,
) -> QuoteResult:
    """Each socket watches `per_socket` of the `tokens` (as a dashboard watches a few)."""
    chosen = list(TOKENS[:tokens])
    watched = [
        [chosen[(i * per_socket + k) % len(chosen)] for k in range(min(per_socket, len(chosen)))]
        for i in range(sockets)
    ]
    await h.sim.post("/sim/walk", json={"paused": True})
    token = await h.login()  # a fresh one: the run may have outlived the first
    url = h.stack.url_of("gateway").replace("http", "ws", 1) + f"/ws?token={token}"
    stop = asyncio.Event()
    clients = [Socket() for _ in range(sockets)]
    runners = [
        asyncio.create_task(c.run(url, [f"quotes:{t}" for t in mine], stop))
        for c, mine in zip(clients, watched, strict=True)
    ]
    try:
        await asyncio.wait_for(asyncio.gather(*(c.ready.wait() for c in clients)), 120)
        prices = {
            t: Decimal((await h.sim.get(f"/sim/prices/NSE/{t}")).json()["ltp"]) for t in chosen
        }
        # market-data starts streaming a token when a socket leases it: wait for the first
        # tick of every token to come through before timing anything.
        await _ticks(h, chosen, prices)

        async def first_arrived() -> bool:
            return all(c.received for c in clients)

        await wait_for(first_arrived, 60, "the first quote on every socket", every=0.1)
        await asyncio.sleep(1.0)
        for c in clients:
            c.received.clear()
        sent: dict[tuple[int, Decimal], float] = {}
        sampler = Sampler(with_self(h.pids()))
        sampler.start()
        rounds = round(seconds / SEND_EVERY_S)
        per_round = max(1, round(ticks_per_s * SEND_EVERY_S))
        start = time.monotonic()
        for i in range(rounds):
            delay = start + i * SEND_EVERY_S - time.monotonic()
            if delay > 0:
                await asyncio.sleep(delay)
            moved = [chosen[(i * per_round + k) % len(chosen)] for k in range(per_round)]
            sent.update(await _ticks(h, moved, prices))
        elapsed = time.monotonic() - start
        await asyncio.sleep(2.0)  # the last ticks' way through
        usage = await sampler.stop()
    finally:
        stop.set()
        await asyncio.gather(*runners, return_exceptions=True)
        await h.sim.post("/sim/walk", json={"paused": False})
    watchers = {t: sum(t in mine for mine in watched) for t in chosen}
    expected = sum(watchers[token] for token, _ in sent)
    latencies = [at - sent[key] for c in clients for at, key in c.received if key in sent]
    delivered = sum(1 for c in clients for _, key in c.received if key in sent)
    return QuoteResult(
        sockets=sockets,
        tokens=len(chosen),
        ticks_sent=len(sent),
        sent_per_s=round(len(sent) / elapsed, 1),
        delivered_per_s=round(delivered / elapsed, 1),
        delivered_share=round(delivered / max(1, expected), 3),
        latency=Summary.of(latencies),
        usage=usage,
    )


async def _ticks(
    h: Harness, tokens: list[int], prices: dict[int, Decimal]
) -> dict[tuple[int, Decimal], float]:
    """Move each token up one tick (so every price is new); answers when each was sent."""
    body = []
    for token in tokens:
        prices[token] = prices[token] + Decimal("0.05")
        body.append({"exchange": "NSE", "token": token, "price": str(prices[token])})
    at = time.time()
    response = await h.sim.post("/sim/prices/batch", json=body)
    response.raise_for_status()
    return {_key(q["token"], q["ltp"]): at for q in response.json()}
