"""Drill (a): kill -9 the order-router, broker-adapter and portfolio during a stream of
batches while the simulator injects timeouts, 5xx and lost responses; then check that
nothing was lost or doubled.

The stream is `batches` execute-alls over `clients` clients (BUY and SELL alternating, one
share of SBIN), one every `interval` seconds. Each of the three services is killed once at
a random moment of the stream (seeded) and restarted `down_s` seconds later; the gateway
keeps accepting batches meanwhile (they wait in Kafka for the restarted consumers).
"""

import asyncio
import random
import time
from dataclasses import dataclass

from bench.drill.checks import (
    Check,
    check_one_broker_order_each,
    check_positions,
    check_terminal,
    wait_terminal,
)
from bench.drill.stream import kill_and_restart, stream_batches
from bench.harness import Harness

VICTIMS = ("order-router", "broker-adapter", "portfolio")


@dataclass(frozen=True)
class KillPlan:
    batches: int
    clients: int
    interval_s: float
    fault_share: float
    """Share of broker calls that go wrong, split evenly over timeouts, 5xx and lost responses."""
    timeout_s: float = 11.0
    down_s: float = 2.0
    seed: int = 7
    settle_s: float = 600.0


async def set_faults(h: Harness, share: float, timeout_s: float) -> None:
    each = share / 3
    body = {
        "timeout": each,
        "timeout_seconds": timeout_s,
        "error_5xx": each,
        "lost_response": each,
        "latency_ms": 0,
        "latency_jitter_ms": 0,
        "endpoints": [],
    }
    (await h.sim.put("/sim/faults", json=body)).raise_for_status()


async def clear_faults(h: Harness) -> None:
    await set_faults(h, 0.0, 0.0)


async def _killer(h: Harness, plan: KillPlan, span_s: float, log: list[str]) -> None:
    """Each victim killed at its own random moment of the stream, restarted `down_s` later
    (the kills do not wait for each other's restarts, so they can overlap)."""
    rng = random.Random(plan.seed)
    started = time.monotonic()
    await asyncio.gather(
        *(
            kill_and_restart(h, v, rng.uniform(0.1, 0.8) * span_s, plan.down_s, started, log)
            for v in VICTIMS
        )
    )


async def run_kill_drill(h: Harness, plan: KillPlan) -> list[Check]:
    clients = h.clients[: plan.clients]
    await set_faults(h, plan.fault_share, plan.timeout_s)
    events: list[str] = []
    killer = asyncio.create_task(_killer(h, plan, plan.batches * plan.interval_s, events))
    started = time.monotonic()
    sent = await stream_batches(h, clients, plan.batches, plan.interval_s)
    await killer
    stream_s = time.monotonic() - started
    await clear_faults(h)  # let the broker settle what it can; the invariants must hold anyway
    orders = await wait_terminal(h, sent.batch_ids, plan.settle_s)
    settled_s = time.monotonic() - started - stream_s
    sim_rows = await h.sim_orders()
    counters = (await h.sim.get("/sim/counters")).json()
    injected = sum(counters.get("faults_injected", {}).values())
    stream = Check(
        "stream under kills and faults",
        sent.refused == 0,
        f"{sent.accepted} orders in {len(sent.batch_ids)} batches over {stream_s:.0f} s, "
        f"{sent.refused} batches refused, {injected} broker faults injected, "
        f"settled {settled_s:.0f} s after; " + "; ".join(events),
    )
    return [
        stream,
        check_terminal(orders, sent.accepted),
        check_one_broker_order_each(orders, sim_rows, set(clients), h.known_tags()),
        await check_positions(h, clients),
    ]
