"""Drill (replicas): two processes each of order-router, broker-adapter and portfolio, one
of each killed (kill -9) during a stream of batches, then started again; the survivors
take over the dead one's partitions, and the restarted one takes some back.

Checks, as the kills drill: every order terminal, one broker order per platform order
(0 duplicates, 0 lost), positions equal the broker's; and per-client order: each client's
orders reached the broker in the order the order-routers decided them (the first place
command of each on orders.commands.v1, which the tap reads), whichever replica decided.
Without broker faults, so that the broker's arrival order is the adapter's sending order.
"""

import asyncio
import random
import signal
import time
from collections import defaultdict
from dataclasses import dataclass
from itertools import pairwise
from typing import Any

from motilal import tag_for
from stack.replicas import replica_name, replica_names

from bench.drill.checks import (
    Check,
    check_one_broker_order_each,
    check_positions,
    check_terminal,
    wait_terminal,
)
from bench.drill.stream import kill_and_restart, stream_batches
from bench.harness import Harness

SCALED = ("order-router", "broker-adapter", "portfolio")
REPLICAS = 2


@dataclass(frozen=True)
class ReplicaPlan:
    batches: int
    clients: int
    interval_s: float
    down_s: float = 5.0
    seed: int = 11
    settle_s: float = 600.0


async def _killer(h: Harness, plan: ReplicaPlan, span_s: float, log: list[str]) -> None:
    """One replica of each scaled service killed at its own random moment (seeded),
    started again `down_s` later."""
    rng = random.Random(plan.seed)
    started = time.monotonic()
    victims = [replica_name(service, rng.randint(1, REPLICAS)) for service in SCALED]
    await asyncio.gather(
        *(
            kill_and_restart(h, v, rng.uniform(0.2, 0.7) * span_s, plan.down_s, started, log)
            for v in victims
        )
    )


def check_client_order(
    h: Harness, orders: dict[str, dict[str, Any]], sim_rows: list[dict[str, Any]]
) -> Check:
    """Per client, the broker's arrival order equals the routers' decision order."""
    arrival = {row["tag"]: n for n, row in enumerate(sim_rows)}  # the broker's own order
    decided: dict[str, list[tuple[float, str]]] = defaultdict(list)
    for order_id, order in orders.items():
        times = h.tap.orders.get(order_id)
        if times is None or times.commanded is None or tag_for(order_id) not in arrival:
            continue
        decided[order["client_id"]].append((times.commanded, order_id))
    problems = []
    pairs = inverted_requests = 0
    for client, seq in decided.items():
        seq.sort()
        at_broker = sorted(seq, key=lambda item: arrival[tag_for(item[1])])
        pairs += max(0, len(seq) - 1)
        if [o for _, o in seq] != [o for _, o in at_broker]:
            problems.append(
                f"{client}: decided {[o for _, o in seq]}, broker got {[o for _, o in at_broker]}"
            )
        requested = [h.tap.orders[o].requested or 0.0 for _, o in seq]
        inverted_requests += sum(1 for a, b in pairwise(requested) if b < a)
    return Check(
        "per-client order at the broker is the decision order",
        not problems,
        f"{len(decided)} clients, {pairs} consecutive pairs compared, {len(problems)} clients "
        f"out of order; {inverted_requests} pairs decided in another order than the gateway "
        "accepted them (batches are keyed by batch: see README, Replicas: how they share the work)",
        problems,
    )


async def run_replica_drill(h: Harness, plan: ReplicaPlan) -> list[Check]:
    # started side by side: each start is mostly waiting for readiness
    await asyncio.gather(*(h.stack.start_replicas(service, REPLICAS) for service in SCALED))
    clients = h.clients[: plan.clients]
    events: list[str] = []
    killer = asyncio.create_task(_killer(h, plan, plan.batches * plan.interval_s, events))
    started = time.monotonic()
    sent = await stream_batches(h, clients, plan.batches, plan.interval_s)
    await killer
    stream_s = time.monotonic() - started
    orders = await wait_terminal(h, sent.batch_ids, plan.settle_s)
    settled_s = time.monotonic() - started - stream_s
    sim_rows = await h.sim_orders()  # in the order the broker took them
    stream = Check(
        f"stream over {REPLICAS} replicas of {', '.join(SCALED)}, one of each killed",
        sent.refused == 0,
        f"{sent.accepted} orders in {len(sent.batch_ids)} batches over {stream_s:.0f} s, "
        f"{sent.refused} batches "
        f"refused, settled {settled_s:.0f} s after; " + "; ".join(events),
    )
    checks = [
        stream,
        check_terminal(orders, sent.accepted),
        check_one_broker_order_each(orders, sim_rows, set(clients), h.known_tags()),
        check_client_order(h, orders, sim_rows),
        await check_positions(h, clients),
    ]
    for service in SCALED:  # the drills after this one run on one process of each, as before
        for extra in replica_names(service, {service: REPLICAS})[1:]:
            h.stack.kill(extra, signal.SIGTERM)
    return checks
