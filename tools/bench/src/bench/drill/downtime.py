"""Drill (b): the broker (simulator) goes down for `down_s` seconds in the middle of a batch.

A batch over `clients` clients is posted with some broker latency, so it is mid-flight when
the simulator stops answering (every REST call 503, sockets closed). While it is down,
every order must either wait (not terminal) or have failed with a reason a person can act
on; none may be placed twice; after it returns every order must end.
"""

import asyncio
import time
from collections import Counter
from collections.abc import Awaitable, Callable
from dataclasses import dataclass

from bench.drill.checks import (
    Check,
    batch_orders,
    check_one_broker_order_each,
    check_positions,
    check_terminal,
    wait_terminal,
)
from bench.harness import Harness, wait_for


@dataclass(frozen=True)
class DownPlan:
    clients: int
    down_s: float
    latency_ms: float = 50.0
    jitter_ms: float = 400.0
    """Spreads the batch's broker calls, so the outage cuts through the middle of it."""
    settle_s: float = 300.0


async def run_down_drill(h: Harness, plan: DownPlan) -> list[Check]:
    clients = h.clients[: plan.clients]
    await h.set_latency(plan.latency_ms, plan.jitter_ms)
    arrivals_before = await _place_arrivals(h)
    batch = await h.execute_all(clients, "BUY")
    if batch is None:
        return [Check("batch during broker downtime", False, "the batch was refused")]
    batch_ids = [batch["batch_id"]]
    # mid-batch: the outage starts as soon as the first order of the batch reaches the broker
    await wait_for(
        _arrived_since(h, arrivals_before), 120, "the batch's first place call", every=0.01
    )
    (await h.sim.post("/sim/down", json={"seconds": plan.down_s})).raise_for_status()
    down_at = time.monotonic()
    placed_before = await _place_arrivals(h) - arrivals_before
    await asyncio.sleep(plan.down_s * 0.8)
    during = await batch_orders(h, batch_ids)
    waiting = Counter(o["status"] for o in during.values())
    unclear = [
        o
        for o in during.values()
        if o["status"] in ("REJECTED", "DENIED") and len(str(o.get("reason") or "")) < 10
    ]
    await asyncio.sleep(max(0.0, down_at + plan.down_s - time.monotonic()))
    await h.set_latency(0)
    orders = await wait_terminal(h, batch_ids, plan.settle_s)
    after_s = time.monotonic() - down_at - plan.down_s
    failed = Counter(
        str(o.get("reason") or "")[:80] for o in orders.values() if o["status"] == "REJECTED"
    )
    during_check = Check(
        "while the broker is down orders wait or fail with a reason",
        not unclear,
        f"{len(batch['orders'])} orders, {placed_before} reached the broker before it went "
        f"down for {plan.down_s:.0f} s; statuses "
        f"{plan.down_s * 0.8:.0f} s into it: {dict(sorted(waiting.items()))}; "
        f"all ended {after_s:.0f} s after it returned; failure reasons: {dict(failed) or 'none'}",
        [f"order {o['order_id']} {o['status']} with reason {o.get('reason')!r}" for o in unclear],
    )
    sim_rows = await h.sim_orders()
    return [
        during_check,
        check_terminal(orders, len(batch["orders"])),
        check_one_broker_order_each(orders, sim_rows, set(clients), h.known_tags()),
        await check_positions(h, clients),
    ]


async def _place_arrivals(h: Harness) -> int:
    response = await h.sim.get("/bench/stats")
    response.raise_for_status()
    return int(response.json()["place_arrivals"])


def _arrived_since(h: Harness, before: int) -> Callable[[], Awaitable[bool]]:
    async def probe() -> bool:
        return await _place_arrivals(h) > before

    return probe
