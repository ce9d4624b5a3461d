"""Open-loop load: orders sent at a steady rate whatever the answers, then timed per hop.

A closed loop (send, wait, send) hides queueing: when the platform slows down, the load
slows down with it. Here each send is scheduled at `start + i / rate` and runs as its own
task, so a slow platform shows up as growing latency, as it would for a desk.

Per order, from the POST (bench clock) to:
    gateway  the request message the gateway published (`occurred_at`)
    router   the place command the order-router published
    adapter  the simulator receiving the place call (its `arrived_at`)
    broker   the adapter publishing the broker's acknowledgement (includes the simulator's
             configured latency)
All processes run on this machine, so their clocks agree.
"""

import asyncio
import contextlib
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from typing import Any

from motilal import tag_for

from bench.harness import SBIN, Harness, wait_for
from bench.resources import Sampler, Usage, net_cpu_ms_per_order, with_self
from bench.stats import Summary

Send = Callable[[int], Awaitable[list[str]]]
"""Sends the i-th request; answers the order ids it created (empty when refused)."""


@dataclass
class Sent:
    at: float
    order_ids: list[str]


@dataclass
class LoadResult:
    offered_per_s: float
    achieved_per_s: float
    orders: int
    refused: int
    unfinished: int
    to_simulator: Summary
    hops: dict[str, Summary]
    usage: Usage
    statuses: dict[str, int] = field(default_factory=dict)
    idle_percent: dict[str, float] = field(default_factory=dict)
    """Idle CPU % per process, taken out of `net_cpu_ms_per_order`."""

    def as_json(self) -> dict[str, Any]:
        return {
            "offered_orders_per_s": self.offered_per_s,
            "achieved_orders_per_s": self.achieved_per_s,
            "orders": self.orders,
            "refused_requests": self.refused,
            "unfinished_orders": self.unfinished,
            "post_to_simulator": self.to_simulator.as_json(),
            "hops": {k: v.as_json() for k, v in self.hops.items()},
            "cpu_percent": self.usage.cpu_percent,
            "cpu_ms_per_order": {
                name: round(1000 * seconds / max(1, self.orders), 2)
                for name, seconds in self.usage.cpu_seconds.items()
            },
            "net_cpu_ms_per_order": net_cpu_ms_per_order(
                self.usage, self.idle_percent, self.orders
            ),
            "rss_mb": self.usage.rss_mb,
            "statuses": self.statuses,
        }


def single_orders(h: Harness, clients: list[str]) -> Send:
    """POST /orders/place, one share of SBIN, clients in turn, BUY then SELL per client."""

    async def send(i: int) -> list[str]:
        client = clients[i % len(clients)]
        side = "BUY" if (i // len(clients)) % 2 == 0 else "SELL"
        body = {
            "client_id": client,
            "token_id": SBIN,
            "execution_type": side,
            "order_type": "MARKET",
            "trade_type": "INTRADAY",
            "quantity": 1,
        }
        response = await h.gateway.post("/api/v1/orders/place", json=body)
        if response.status_code != 202:
            return []
        return [o["order_id"] for o in response.json()["orders"]]

    return send


def batches(h: Harness, clients: list[str]) -> Send:
    """POST execute-all over `clients`, BUY then SELL."""

    async def send(i: int) -> list[str]:
        batch = await h.execute_all(clients, "BUY" if i % 2 == 0 else "SELL")
        return [o["order_id"] for o in batch["orders"]] if batch else []

    return send


async def run_load(
    h: Harness,
    send: Send,
    requests_per_s: float,
    seconds: float,
    orders_per_request: int,
    settle_s: float = 120,
    idle: dict[str, float] | None = None,
    tail_s: float = 2.0,
) -> LoadResult:
    """`idle`: idle CPU % per process (subtracted in the net CPU per order); `tail_s`: seconds
    CPU is still counted after the last order ended (work that follows fills)."""
    count = max(1, round(requests_per_s * seconds))
    sent: list[Sent] = []
    sampler = Sampler(with_self(h.pids()))
    sampler.start()

    async def one(i: int, at: float) -> None:
        delay = at - time.monotonic()
        if delay > 0:
            await asyncio.sleep(delay)
        stamp = time.time()
        try:
            ids = await send(i)
        except Exception:  # a refused or failed POST counts as refused, the load goes on
            ids = []
        sent.append(Sent(stamp, ids))

    start = time.monotonic() + 0.2
    await asyncio.gather(*(one(i, start + i / requests_per_s) for i in range(count)))
    ids = [o for s in sent for o in s.order_ids]

    async def all_ended() -> bool:
        return all(o in h.tap.orders and h.tap.orders[o].terminal for o in ids)

    with contextlib.suppress(TimeoutError):  # unfinished orders are counted, not fatal
        await wait_for(all_ended, settle_s, "the load's orders to end", every=0.1)
    await asyncio.sleep(tail_s)
    usage = await sampler.stop()
    result = await _timings(h, sent, requests_per_s * orders_per_request, usage)
    result.idle_percent = idle or {}
    return result


async def _timings(h: Harness, sent: list[Sent], offered: float, usage: Usage) -> LoadResult:
    tags = [tag_for(order_id) for s in sent for order_id in s.order_ids]
    arrivals = {r["tag"]: r["arrived_at"] for r in await h.sim_orders(tags) if r["arrived_at"]}
    total: list[float] = []
    hops: dict[str, list[float]] = {"gateway": [], "router": [], "adapter": [], "broker": []}
    statuses: dict[str, int] = {}
    reached: list[float] = []
    unfinished = 0
    for s in sent:
        for order_id in s.order_ids:
            t = h.tap.orders.get(order_id)
            arrived = arrivals.get(tag_for(order_id))
            if t is None or not t.terminal:
                unfinished += 1
            if t is not None:
                statuses[t.status or "UNFINISHED"] = statuses.get(t.status or "UNFINISHED", 0) + 1
            if t is None or arrived is None:
                continue
            reached.append(arrived)
            total.append(arrived - s.at)
            if t.requested:
                hops["gateway"].append(t.requested - s.at)
                if t.commanded:
                    hops["router"].append(t.commanded - t.requested)
            if t.commanded:
                hops["adapter"].append(arrived - t.commanded)
            if t.accepted:
                hops["broker"].append(t.accepted - arrived)
    window = (max(reached) - min(s.at for s in sent)) if reached else 0.0
    achieved = len(reached) / window if window > 0 else 0.0
    return LoadResult(
        offered_per_s=round(offered, 1),
        achieved_per_s=round(achieved, 1),
        orders=sum(len(s.order_ids) for s in sent),
        refused=sum(1 for s in sent if not s.order_ids),
        unfinished=unfinished,
        to_simulator=Summary.of(total),
        hops={k: Summary.of(v) for k, v in hops.items()},
        usage=usage,
        statuses=statuses,
    )
