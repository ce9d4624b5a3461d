"""Batch fan-out: one execute-all over N clients, timed from the POST to the last ack/fill.

Runs alternate BUY and SELL of one share, so positions stay flat however many runs.
Per run it records, relative to the moment the POST was sent:
- `ack`: the last order acknowledged, seen two ways: the simulator's `confirmed_at` of the
  last order (broker side) and the adapter's last `order.accepted` (platform side);
- `filled`: the last `order.filled` event (the order-router and portfolio's input);
- `portfolio`: the last `position.changed` the portfolio published for the batch;
- where the time goes before the ack: the last order's request published by the gateway
  and its place command published by the order-router (their `occurred_at`, from the tap);
and the CPU each process spent per order over the timed runs (plus a short tail for work
that follows the fills), with its idle burn over the same time taken out.
"""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from motilal import tag_for

from bench.harness import Harness
from bench.resources import Sampler, net_cpu_ms_per_order, with_self
from bench.stats import Summary


@dataclass
class FanoutResult:
    clients: int
    latency_ms: float
    runs: int
    post: Summary
    sim_ack: Summary
    platform_ack: Summary
    filled: Summary
    portfolio: Summary
    requested: Summary
    """The last order's request published by the gateway (the gateway's part)."""
    commanded: Summary
    """The last order's place command published by the order-router (gateway and router)."""
    statuses: dict[str, int] = field(default_factory=dict)
    cpu_ms_per_order: dict[str, float] = field(default_factory=dict)
    """Per process and `platform` in total, idle subtracted."""

    def as_json(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "simulator_latency_ms": self.latency_ms,
            "runs": self.runs,
            "post_answered": self.post.as_json(),
            "last_ack_at_simulator": self.sim_ack.as_json(),
            "last_ack_event": self.platform_ack.as_json(),
            "last_filled_event": self.filled.as_json(),
            "last_portfolio_update": self.portfolio.as_json(),
            "last_request_published": self.requested.as_json(),
            "last_command_published": self.commanded.as_json(),
            "statuses": self.statuses,
            "cpu_ms_per_order": self.cpu_ms_per_order,
        }


async def run_fanout(
    h: Harness,
    clients: int,
    runs: int,
    latency_ms: float,
    warmup: int = 1,
    idle: dict[str, float] | None = None,
    tail_s: float = 2.0,
) -> FanoutResult:
    """`runs` timed runs after `warmup` untimed ones (connection pools, caches, JIT-free
    but cold paths: the first batch after a pause is not what a desk sees all day).

    `idle` is the idle CPU % per process, subtracted from the CPU per order; `tail_s` the
    seconds CPU is still counted after the last run (position reads after fills...)."""
    chosen = h.clients[:clients]
    for run in range(warmup):
        batch = await h.execute_all(chosen, "BUY" if run % 2 == 0 else "SELL")
        if batch is not None:
            ids = [o["order_id"] for o in batch["orders"]]
            await h.wait_batch(batch["batch_id"], ids, 300 + 1.5 * clients)
    post, sim_ack, ack, filled, portfolio = [], [], [], [], []
    requested: list[float] = []
    commanded: list[float] = []
    statuses: dict[str, int] = {}
    sampler = Sampler(with_self(h.pids()))
    sampler.start()
    for run in range(runs):
        side = "BUY" if (warmup + run) % 2 == 0 else "SELL"  # alternate: positions stay flat
        sent = time.time()
        batch = await h.execute_all(chosen, side)
        answered = time.time()
        if batch is None:
            raise RuntimeError(f"execute-all over {clients} clients was refused")
        ids = [o["order_id"] for o in batch["orders"]]
        await h.wait_batch(batch["batch_id"], ids, seconds=300 + 1.5 * clients)
        times = [h.tap.orders[o] for o in ids]
        for t in times:
            statuses[t.status] = statuses.get(t.status, 0) + 1
        tags = {tag_for(o) for o in ids}
        rows = [r for r in await h.sim_orders(tags) if r["confirmed_at"]]
        wanted = {(batch["batch_id"], t.client_id) for t in times if t.status == "FILLED"}
        seen = await _portfolio_updates(h, wanted)
        post.append(answered - sent)
        if rows:
            sim_ack.append(max(r["confirmed_at"] for r in rows) - sent)
        for instants, seen_at in (
            (requested, [t.requested for t in times if t.requested]),
            (commanded, [t.commanded for t in times if t.commanded]),
        ):
            if seen_at:
                instants.append(max(seen_at) - sent)
        accepted = [t.accepted for t in times if t.accepted]
        if accepted:
            ack.append(max(accepted) - sent)
        fills = [t.terminal for t in times if t.status == "FILLED" and t.terminal]
        if fills:
            filled.append(max(fills) - sent)
        if seen:
            portfolio.append(max(seen) - sent)
    await asyncio.sleep(tail_s)
    usage = await sampler.stop()
    return FanoutResult(
        clients,
        latency_ms,
        runs,
        Summary.of(post),
        Summary.of(sim_ack),
        Summary.of(ack),
        Summary.of(filled),
        Summary.of(portfolio),
        Summary.of(requested),
        Summary.of(commanded),
        statuses,
        net_cpu_ms_per_order(usage, idle or {}, clients * runs),
    )


async def _portfolio_updates(
    h: Harness, wanted: set[tuple[str, str]], seconds: float = 60
) -> list[float]:
    """Instants of the portfolio's position updates for every (batch, client) wanted."""
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        if all(k in h.tap.positions for k in wanted):
            break
        await asyncio.sleep(0.05)
    return [h.tap.positions[k] for k in wanted if k in h.tap.positions]
