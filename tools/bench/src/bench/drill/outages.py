"""Drill: the embedded PostgreSQL and Redis killed (kill -9) and restarted during a stream
of order batches (issue 13, item 10), one after the other; then check what an operator
would: nothing lost, nothing placed twice, no 5xx from the gateway outside the outage
windows (inside them only 503 with Retry-After), and broker sessions working again without
anyone touching them (a batch sent after the outages fills for every client, and every
client's session shows ACTIVE).

An outage window runs from the kill until `grace_s` after the restarted server answers:
pooled connections that died with the old server are replaced on first use.
"""

import asyncio
import time
from dataclasses import dataclass, field
from typing import Any

from bench.drill.checks import (
    Check,
    batch_orders,
    check_one_broker_order_each,
    check_positions,
    check_terminal,
    wait_terminal,
)
from bench.harness import Harness

VICTIMS = ("postgres", "redis")


@dataclass(frozen=True)
class OutagePlan:
    batches: int
    clients: int
    interval_s: float
    down_s: float = 3.0
    grace_s: float = 5.0
    settle_s: float = 600.0


@dataclass
class Answer:
    started: float
    ended: float
    status: int
    retry_after: str | None


@dataclass
class Outages:
    windows: list[tuple[str, float, float]] = field(default_factory=list)
    log: list[str] = field(default_factory=list)

    def covers(self, answer: Answer) -> bool:
        return any(
            answer.started <= end and answer.ended >= start for _, start, end in self.windows
        )


async def _kill_and_restart(
    h: Harness, victim: str, at: float, plan: OutagePlan, outages: Outages, t0: float
) -> None:
    await asyncio.sleep(max(0.0, t0 + at - time.monotonic()))
    supervisor = h.stack.platform.supervisor
    spec = supervisor.children[victim].spec
    killed = time.monotonic()
    h.stack.kill(victim)
    outages.log.append(f"killed {victim} at {killed - t0:.1f} s")
    await asyncio.sleep(plan.down_s)
    supervisor.start(spec)
    await supervisor.wait_ready(victim, h.stack.settings.ready_timeout_s)
    back = time.monotonic()
    outages.log.append(f"{victim} answering again at {back - t0:.1f} s")
    outages.windows.append((victim, killed, back + plan.grace_s))


async def _outages(h: Harness, plan: OutagePlan, span_s: float, outages: Outages) -> None:
    """PostgreSQL at a third of the stream, Redis at two thirds: one outage at a time."""
    t0 = time.monotonic()
    await _kill_and_restart(h, "postgres", span_s / 3, plan, outages, t0)
    await _kill_and_restart(h, "redis", 2 * span_s / 3, plan, outages, t0)


async def _batch(
    h: Harness, clients: list[str], side: str, answers: list[Answer]
) -> dict[str, Any] | None:
    started = time.monotonic()
    try:
        response = await h.post_execute_all(clients, side)
    except Exception:  # a dropped connection is no answer: it counts as an error
        answers.append(Answer(started, time.monotonic(), 599, None))
        return None
    answers.append(
        Answer(started, time.monotonic(), response.status_code, response.headers.get("Retry-After"))
    )
    if response.status_code != 202:
        return None
    body: dict[str, Any] = response.json()
    return body


async def _sessions_active(h: Harness, clients: list[str]) -> list[str]:
    """Clients whose broker session the gateway does not show ACTIVE."""
    bad = []
    for client_id in clients:
        response = await h.gateway.get(f"/api/v1/clients/{client_id}")
        session = response.json().get("session") if response.status_code == 200 else None
        if not session or session.get("state") != "ACTIVE":
            bad.append(f"{client_id}: {response.status_code} {session}")
    return bad


async def run_outage_drill(h: Harness, plan: OutagePlan) -> list[Check]:
    clients = h.clients[: plan.clients]
    outages = Outages()
    answers: list[Answer] = []
    batch_ids: list[str] = []
    accepted = 0
    span = plan.batches * plan.interval_s
    killer = asyncio.create_task(_outages(h, plan, span, outages))
    started = time.monotonic()
    i = 0
    while i < plan.batches or not killer.done():  # the stream outlasts both outages
        await asyncio.sleep(max(0.0, started + i * plan.interval_s - time.monotonic()))
        batch = await _batch(h, clients, "BUY" if i % 2 == 0 else "SELL", answers)
        i += 1
        if batch is not None:
            batch_ids.append(batch["batch_id"])
            accepted += len(batch["orders"])
    await killer
    stream_s = time.monotonic() - started
    # after the outages: every client trades again on its session, nobody logged it in
    after = await _batch(h, clients, "BUY" if i % 2 == 0 else "SELL", answers)
    after_ids = [after["batch_id"]] if after else []
    orders = await wait_terminal(h, batch_ids + after_ids, plan.settle_s)
    accepted += len(after["orders"]) if after else 0
    sim_rows = await h.sim_orders()

    outside = [a for a in answers if a.status >= 500 and not outages.covers(a)]
    inside = [a for a in answers if a.status >= 500 and outages.covers(a)]
    not_503 = [a for a in inside if a.status != 503 or not a.retry_after]
    refused = sum(1 for a in answers if a.status != 202)
    after_orders = list((await batch_orders(h, after_ids)).values())
    unfilled = [f"{o['client_id']} {o['status']}" for o in after_orders if o["status"] != "FILLED"]
    unsessioned = await _sessions_active(h, clients)
    return [
        Check(
            "gateway answers around PostgreSQL and Redis restarts",
            not outside and not not_503,
            f"{len(answers)} batches over {stream_s:.0f} s, {refused} refused: "
            f"{len(outside)} x 5xx outside the outage windows, {len(inside)} inside "
            f"({len(not_503)} of them not a 503 with Retry-After); " + "; ".join(outages.log),
            [f"{a.status} at {a.started - started:.1f} s" for a in outside + not_503],
        ),
        check_terminal(orders, accepted),
        check_one_broker_order_each(orders, sim_rows, set(clients), h.known_tags()),
        Check(
            "broker sessions work again without an operator",
            after is not None and not unfilled and not unsessioned,
            f"a batch after the outages: {len(after_orders)} orders, {len(unfilled)} not "
            f"filled; {len(unsessioned)} of {len(clients)} sessions not ACTIVE",
            unfilled + unsessioned,
        ),
        await check_positions(h, clients),
    ]
