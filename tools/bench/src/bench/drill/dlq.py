"""Drill (c): malformed messages on every consumed topic go to the dead-letter topic, and
every consumer keeps running.

For each topic a service consumes, three bad records are written to EVERY partition (not
JSON; JSON of the wrong shape; a well-formed envelope of an unknown type), so whichever
partition a consumer owns, it meets them. Then good traffic flows through every partition
(execute-all batches over enough clients to cover the client-keyed partitions, several
batches for the batch-keyed requests topic, price ticks for quotes). It passes when:
- `<topic>.dlq` holds the bad records, tagged with each consuming service;
- each consuming service's `<service>_messages_dead_lettered_total{topic}` grew by at least
  the number of bad records (per consumer group);
- after the bad records, every service still handles good ones: the batches fill, the
  portfolio publishes their positions, and each (service, topic) consumer's
  `messages_consumed_total` moved past the bad records.
"""

import contextlib
import re
import time
from collections import Counter
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from common.ids import new_id
from common.topics import topic_named

from bench.drill.checks import Check
from bench.harness import Harness, wait_for

CONSUMERS: dict[str, tuple[str, ...]] = {
    # service -> topics it consumes (services/*/src/*/app.py and their install modules)
    "order-router": (
        "orders.requests.v1",
        "orders.events.v1",
        "accounts.clients.v1",
        "accounts.sessions.v1",
        "accounts.margins.v1",
    ),
    "broker-adapter": ("orders.commands.v1", "accounts.clients.v1"),
    "portfolio": (
        "orders.events.v1",
        "marketdata.quotes.v1",
        "accounts.margins.v1",
        "accounts.positions.v1",
    ),
    "market-data": ("orders.events.v1", "portfolio.updates.v1"),
    "gateway": ("orders.updates.v1", "accounts.sessions.v1", "marketdata.quotes.v1"),
}
BAD = (
    b"this is not json",
    b'{"type": "order.filled", "order_id": 1}',
    b'{"event_id": "x", "type": "drill.unknown", "schema_version": 1, '
    b'"occurred_at": "2026-01-01T00:00:00Z", "correlation_id": "drill", "actor": "drill"}',
)
_METRIC = re.compile(r'^(\w+)_messages_(consumed|dead_lettered)_total\{topic="([^"]+)"\} (\S+)$')


async def scrape(h: Harness) -> dict[tuple[str, str, str], float]:
    """(service, consumed|dead_lettered, topic) -> counter value, from every /metrics."""
    out: dict[tuple[str, str, str], float] = {}
    async with httpx.AsyncClient(timeout=30) as client:
        for service in CONSUMERS:
            text = (await client.get(f"{h.stack.url_of(service)}/metrics")).text
            for line in text.splitlines():
                match = _METRIC.match(line)
                if match:
                    out[(service, match.group(2), match.group(3))] = float(match.group(4))
    return out


async def _dlq_counts(h: Harness, topics: set[str]) -> Counter[tuple[str, str]]:
    """(source topic, service) -> dead-lettered records on the DLQ topics, from the start."""
    consumer = AIOKafkaConsumer(
        bootstrap_servers=h.stack.kafka_bootstrap, group_id=None, enable_auto_commit=False
    )
    await consumer.start()
    counts: Counter[tuple[str, str]] = Counter()
    try:
        partitions = [TopicPartition(topic_named(t).dlq, 0) for t in topics]
        consumer.assign(partitions)
        await consumer.seek_to_beginning(*partitions)
        ends = await consumer.end_offsets(partitions)
        while [p for p in partitions if await consumer.position(p) < ends[p]]:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    headers = {k: v.decode() for k, v in record.headers}
                    counts[(headers.get("source_topic", "?"), headers.get("service", "?"))] += 1
    finally:
        await consumer.stop()
    return counts


async def run_dlq_drill(h: Harness, clients: int) -> list[Check]:
    topics = sorted({t for ts in CONSUMERS.values() for t in ts})
    before = await scrape(h)
    dlq_before = await _dlq_counts(h, set(topics))
    producer = AIOKafkaProducer(bootstrap_servers=h.stack.kafka_bootstrap)
    await producer.start()
    bad_per_topic: dict[str, int] = {}
    try:
        for name in topics:
            partitions = topic_named(name).partitions
            for partition in range(partitions):
                for payload in BAD:
                    await producer.send_and_wait(
                        name, payload, key=f"drill-{new_id()[:8]}".encode(), partition=partition
                    )
            bad_per_topic[name] = partitions * len(BAD)
    finally:
        await producer.stop()
    good = await _good_traffic(h, clients)

    async def dead_lettered_everywhere() -> bool:
        now = await scrape(h)
        return all(
            now.get((s, "dead_lettered", t), 0) - before.get((s, "dead_lettered", t), 0)
            >= bad_per_topic[t]
            for s, ts in CONSUMERS.items()
            for t in ts
        )

    with contextlib.suppress(TimeoutError):  # the figures below say what is missing
        await wait_for(dead_lettered_everywhere, 120, "every consumer to dead-letter", every=1)
    after = await scrape(h)
    dlq_after = await _dlq_counts(h, set(topics))
    problems, moved_problems = [], []
    for service, consumed in CONSUMERS.items():
        for topic in consumed:
            dead = after.get((service, "dead_lettered", topic), 0) - before.get(
                (service, "dead_lettered", topic), 0
            )
            moved = after.get((service, "consumed", topic), 0) - before.get(
                (service, "consumed", topic), 0
            )
            on_dlq = dlq_after[(topic, service)] - dlq_before[(topic, service)]
            if dead < bad_per_topic[topic] or on_dlq < bad_per_topic[topic]:
                problems.append(
                    f"{service} on {topic}: {dead:.0f} dead-lettered (metric), "
                    f"{on_dlq} on {topic}.dlq, {bad_per_topic[topic]} bad written"
                )
            if moved <= bad_per_topic[topic]:
                moved_problems.append(
                    f"{service} on {topic}: consumed {moved:.0f} records, "
                    f"no more than the {bad_per_topic[topic]} bad ones"
                )
    pairs = sum(len(ts) for ts in CONSUMERS.values())
    total_bad = sum(bad_per_topic.values())
    return [
        Check(
            "malformed messages go to the dead-letter topics",
            not problems,
            f"{total_bad} bad records on {len(topics)} topics (every partition); "
            f"{pairs - len(problems)} of {pairs} (service, topic) consumers dead-lettered all",
            problems,
        ),
        Check(
            "consumers keep running after them",
            good.passed and not moved_problems,
            f"{good.figures}; {pairs - len(moved_problems)} of {pairs} consumers moved past "
            "the bad records",
            good.problems + moved_problems,
        ),
    ]


async def _good_traffic(h: Harness, clients: int) -> Check:
    """Batches (and price ticks) through every partition; passes when all fill end to end."""
    chosen = h.clients[:clients]
    posted: list[dict[str, Any]] = []
    started = time.monotonic()
    for i in range(8):  # batch ids key orders.requests.v1: several batches reach each partition
        few = chosen[i * 2 : i * 2 + 2] or chosen[:2]
        batch = await h.execute_all(few, "BUY" if i % 2 == 0 else "SELL")
        if batch:
            posted.append(batch)
    for side in ("BUY", "SELL"):
        batch = await h.execute_all(chosen, side)
        if batch:
            posted.append(batch)
    for client in chosen:  # accounts.clients.v1 (a change) and accounts.sessions.v1 (a login)
        current = await h.gateway.get(f"/api/v1/clients/{client}")
        if current.status_code == 200:
            name = current.json()["name"]
            await h.gateway.put(f"/api/v1/clients/{client}", json={"name": name})
        await h.gateway.post(f"/api/v1/clients/{client}/login")
    for token in (3045, 2885, 11536, 1594):
        price = (await h.sim.get(f"/sim/prices/NSE/{token}")).json()["ltp"]
        await h.sim.post("/sim/prices", json={"exchange": "NSE", "token": token, "price": price})
    ids = [o["order_id"] for b in posted for o in b["orders"]]
    problems = []
    try:
        await wait_for(
            _all_filled(h, ids), 180, "the good orders after the bad records to fill", every=0.5
        )
    except TimeoutError:
        statuses = Counter(h.tap.orders[o].status if o in h.tap.orders else "UNSEEN" for o in ids)
        problems.append(f"good orders did not all fill: {dict(statuses)}")
    wanted = {(b["batch_id"], o["client_id"]) for b in posted for o in b["orders"]}
    try:
        await wait_for(_positions_seen(h, wanted), 60, "the portfolio's updates", every=0.5)
    except TimeoutError:
        missing = len([k for k in wanted if k not in h.tap.positions])
        problems.append(f"the portfolio published no position change for {missing} fills")
    return Check(
        "good traffic after the bad records",
        not problems,
        f"{len(ids)} good orders in {len(posted)} batches filled and reached the portfolio in "
        f"{time.monotonic() - started:.0f} s"
        if not problems
        else "good traffic stalled",
        problems,
    )


def _all_filled(h: Harness, ids: list[str]) -> Any:
    async def probe() -> bool:
        return all(o in h.tap.orders and h.tap.orders[o].status == "FILLED" for o in ids)

    return probe


def _positions_seen(h: Harness, wanted: set[tuple[str, str]]) -> Any:
    async def probe() -> bool:
        return all(k in h.tap.positions for k in wanted)

    return probe
