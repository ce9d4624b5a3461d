"""The consumer wiring against a real Kafka-protocol broker: at-least-once, DLQ, ordering."""

import asyncio
import json
from collections.abc import AsyncIterator, Sequence
from contextlib import asynccontextmanager
from dataclasses import dataclass
from typing import Any

import pytest
from aiokafka import AIOKafkaConsumer
from common.consumers import Consumer, PoisonMessage, of_types, subscribe
from common.contracts.envelope import Message
from common.contracts.order_events import OrderAccepted, OrderFilled, OrderLifecycleEvent
from common.doorbell import Doorbell, channel
from common.ids import new_id
from common.kafka import Publisher, build_broker, ensure_topics
from common.settings import ServiceSettings
from common.topics import Topic
from factories import make
from faststream.kafka import KafkaBroker
from redis.asyncio import Redis
from stack.testing import TestStack


def _fresh_topic() -> Topic:
    return Topic(
        f"test.fills.{new_id()[:8]}.v1",
        lambda m: str(m.client_id),
        "client_id",
        2,
        OrderLifecycleEvent,
        "fills for a consumer test",
    )


async def _until(predicate: object, seconds: float = 30) -> None:
    deadline = asyncio.get_running_loop().time() + seconds
    while not predicate():  # type: ignore[operator]
        if asyncio.get_running_loop().time() > deadline:
            raise AssertionError("condition not met in time")
        await asyncio.sleep(0.05)


async def _read_dlq(bootstrap: str, topic: Topic, count: int) -> list[tuple[bytes, dict[str, str]]]:
    consumer = AIOKafkaConsumer(
        topic.dlq, bootstrap_servers=bootstrap, auto_offset_reset="earliest", group_id=None
    )
    await consumer.start()
    try:
        found: list[tuple[bytes, dict[str, str]]] = []
        deadline = asyncio.get_running_loop().time() + 30
        while len(found) < count and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=200)
            for records in batches.values():
                found += [(r.value, {k: v.decode() for k, v in r.headers}) for r in records]
        return found
    finally:
        await consumer.stop()


@pytest.fixture
async def wiring(stack: TestStack) -> AsyncIterator[tuple[ServiceSettings, Topic]]:
    settings = ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap)  # type: ignore[call-arg]
    topic = _fresh_topic()
    await ensure_topics(stack.kafka_bootstrap, [topic])
    yield settings, topic


async def test_consumer_handler_failure_redelivers_not_loses(
    wiring: tuple[ServiceSettings, Topic],
) -> None:
    settings, topic = wiring
    seen: list[str] = []
    failures = {"left": 2}

    async def handler(batch: Sequence[Message]) -> None:
        if failures["left"]:
            failures["left"] -= 1
            raise ConnectionRefusedError("database went away")  # transient: retried
        seen.extend(m.event_id for m in batch)

    broker = build_broker(settings, "test")
    subscribe(broker, settings, "test", [Consumer(topic, f"g-{new_id()}", handler)])
    await broker.start()
    try:
        sent = [make(OrderFilled, client_id=f"c{i}", trade_no=f"T{i}") for i in range(5)]
        await Publisher(broker).publish_many(topic, sent)
        await _until(lambda: set(seen) >= {m.event_id for m in sent})
    finally:
        await broker.stop()
    assert failures["left"] == 0


async def test_consumer_poison_and_malformed_go_to_dlq_and_consumer_continues(
    stack: TestStack, wiring: tuple[ServiceSettings, Topic]
) -> None:
    settings, topic = wiring
    handled: list[str] = []

    async def handler(batch: Sequence[Message]) -> None:
        for message in batch:
            if getattr(message, "trade_no", "") == "POISON":
                raise PoisonMessage("trade POISON belongs to no order")
            handled.append(message.event_id)

    broker = build_broker(settings, "test")
    subscribe(broker, settings, "test", [Consumer(topic, f"g-{new_id()}", handler)])
    await broker.start()
    try:
        publisher = Publisher(broker)
        await broker.publish(b'{"type": "order.filled", "nonsense": true}', topic.name, key=b"c1")
        await publisher.publish(topic, make(OrderFilled, trade_no="POISON"))
        good = make(OrderFilled, trade_no="T-good")
        await publisher.publish(topic, good)
        await _until(lambda: good.event_id in handled)
    finally:
        await broker.stop()
    dead = await _read_dlq(stack.kafka_bootstrap, topic, 2)
    errors = sorted(headers["error"].split(":")[0] for _, headers in dead)
    assert errors == ["invalid message", "poison message"]
    assert all(headers["source_topic"] == topic.name for _, headers in dead)
    assert any(json.loads(value).get("trade_no") == "POISON" for value, _ in dead)


async def test_consumer_bug_dead_lettered_after_max_attempts(
    stack: TestStack, wiring: tuple[ServiceSettings, Topic]
) -> None:
    settings, topic = wiring
    handled: list[str] = []

    async def handler(batch: Sequence[Message]) -> None:
        for message in batch:
            if getattr(message, "trade_no", "") == "BUG":
                raise KeyError("a bug, not an outage")
            handled.append(message.event_id)

    broker = build_broker(settings, "test")
    consumer = Consumer(topic, f"g-{new_id()}", handler, max_attempts=3)
    subscribe(broker, settings, "test", [consumer])
    await broker.start()
    try:
        bad = make(OrderFilled, trade_no="BUG", client_id="c9")
        after = make(OrderFilled, trade_no="T-after", client_id="c9")  # same partition, after it
        await Publisher(broker).publish_many(topic, [bad, after])
        await _until(lambda: after.event_id in handled)
    finally:
        await broker.stop()
    dead = await _read_dlq(stack.kafka_bootstrap, topic, 1)
    assert "KeyError" in dead[0][1]["error"]


async def test_consumer_committed_batch_not_redelivered_to_new_member(
    wiring: tuple[ServiceSettings, Topic],
) -> None:
    settings, topic = wiring
    group = f"g-{new_id()}"
    first: list[str] = []
    second: list[str] = []

    async def record(into: list[str]) -> object:
        async def handler(batch: Sequence[Message]) -> None:
            into.extend(m.event_id for m in batch)

        return handler

    broker = build_broker(settings, "test")
    subscribe(broker, settings, "test", [Consumer(topic, group, await record(first))])  # type: ignore[arg-type]
    await broker.start()
    sent = make(OrderFilled)
    try:
        await Publisher(broker).publish(topic, sent)
        await _until(lambda: sent.event_id in first)
    finally:
        await broker.stop()

    broker = build_broker(settings, "test")
    subscribe(broker, settings, "test", [Consumer(topic, group, await record(second))])  # type: ignore[arg-type]
    await broker.start()
    try:
        later = make(OrderFilled, trade_no="T-later")
        await Publisher(broker).publish(topic, later)
        await _until(lambda: later.event_id in second, seconds=45)
    finally:
        await broker.stop()
    assert sent.event_id not in second


async def test_consumers_sharing_a_group_each_see_all_of_their_topic(
    wiring: tuple[ServiceSettings, Topic],
) -> None:
    settings, fills = wiring
    other = _fresh_topic()
    await ensure_topics(settings.kafka_bootstrap, [other])
    group = f"g-{new_id()}"
    seen: dict[str, list[str]] = {"a": [], "b": [], "other": []}

    def recorder(into: list[str]) -> Any:
        async def handler(batch: Sequence[Message]) -> None:
            into.extend(m.event_id for m in batch)

        return handler

    broker = build_broker(settings, "test")
    subscribe(
        broker,
        settings,
        "test",
        [
            Consumer(fills, group, recorder(seen["a"])),
            Consumer(fills, group, recorder(seen["b"])),
            Consumer(other, group, recorder(seen["other"])),
        ],
    )
    await broker.start()
    try:
        publisher = Publisher(broker)
        on_fills = [make(OrderFilled, client_id=f"c{i}", trade_no=f"T{i}") for i in range(6)]
        on_other = [make(OrderFilled, client_id=f"c{i}", trade_no=f"U{i}") for i in range(3)]
        await publisher.publish_many(fills, on_fills)
        await publisher.publish_many(other, on_other)
        await _until(
            lambda: len(seen["a"]) >= 6 and len(seen["b"]) >= 6 and len(seen["other"]) >= 3
        )
    finally:
        await broker.stop()
    assert set(seen["a"]) == set(seen["b"]) == {m.event_id for m in on_fills}
    assert set(seen["other"]) == {m.event_id for m in on_other}


async def test_consumer_wants_filters_by_event_type_and_key_without_starving_others(
    wiring: tuple[ServiceSettings, Topic],
) -> None:
    settings, topic = wiring
    group = f"g-{new_id()}"
    fills_only: list[Message] = []
    watched: list[Message] = []
    everything: list[Message] = []

    def recorder(into: list[Message]) -> Any:
        async def handler(batch: Sequence[Message]) -> None:
            into.extend(batch)

        return handler

    broker = build_broker(settings, "test")
    subscribe(
        broker,
        settings,
        "test",
        [
            Consumer(topic, group, recorder(fills_only), wants=of_types(OrderFilled)),
            Consumer(topic, group, recorder(watched), wants=lambda _t, key: key == "c1"),
            Consumer(topic, group, recorder(everything)),
        ],
    )
    await broker.start()
    try:
        fills = [make(OrderFilled, client_id=f"c{i}", trade_no=f"T{i}") for i in range(4)]
        accepted = [make(OrderAccepted, client_id=f"c{i}") for i in range(4)]
        await Publisher(broker).publish_many(topic, [*fills, *accepted])
        # a producer that is not ours sets no event_type header: always read
        foreign = make(OrderAccepted, client_id="c9")
        await broker.publish(foreign.model_dump_json().encode(), topic.name, key=b"c9")
        # the unfiltered consumer runs last in each batch: once it saw all, so did the others
        await _until(lambda: len(everything) >= 9)
    finally:
        await broker.stop()
    assert {m.event_id for m in fills_only} == {m.event_id for m in [*fills, foreign]}
    assert sorted((m.type, m.client_id) for m in watched) == [  # type: ignore[attr-defined]
        ("order.accepted", "c1"),
        ("order.accepted", "c9"),  # the foreign record, read whatever its key
        ("order.filled", "c1"),
    ]


@dataclass
class DoorbellConsumer:
    """A started consumer of a test topic with a doorbell, paused on all it was assigned."""

    broker: KafkaBroker
    doorbell: Doorbell
    consumer: Any  # the subscriber's aiokafka consumer
    seen: list[str]  # event ids handled so far
    fetching_when_handled: dict[str, bool]  # event id -> a partition unpaused as it was handled
    batches: list[list[str]]  # the event ids of each batch handed to the handler

    def publisher(self) -> Publisher:
        """A Publisher that rings the doorbell by itself."""
        publisher = Publisher(self.broker)
        publisher.doorbell = self.doorbell
        return publisher


@asynccontextmanager
async def _doorbell_consumer(
    stack: TestStack, topic: Topic, **env: Any
) -> AsyncIterator[DoorbellConsumer]:
    """One consumer of `topic` waking on a doorbell (a 600 s backstop: only a ring wakes it
    within a test), yielded once it paused on every partition; `env` adds settings."""
    settings = ServiceSettings(  # type: ignore[call-arg]
        KAFKA_BOOTSTRAP=stack.kafka_bootstrap, KAFKA_DOORBELL_BACKSTOP_SECONDS=600, **env
    )
    redis = Redis.from_url(stack.redis_url, decode_responses=True)
    doorbell = Doorbell(redis)
    seen: list[str] = []
    fetching: dict[str, bool] = {}
    batches: list[list[str]] = []
    consumers: list[Any] = []

    async def handler(batch: Sequence[Message]) -> None:
        for m in batch:
            fetching[m.event_id] = consumers[0].paused() != consumers[0].assignment()
        seen.extend(m.event_id for m in batch)
        batches.append([m.event_id for m in batch])

    broker = build_broker(settings, "test")
    subscribe(broker, settings, "test", [Consumer(topic, f"g-{new_id()}", handler)], doorbell)
    listening = asyncio.create_task(doorbell.listen())
    await broker.start()
    try:
        consumer = broker.subscribers[0].consumer  # type: ignore[attr-defined]
        consumers.append(consumer)
        await _until(lambda: consumer.assignment() and consumer.paused() == consumer.assignment())
        yield DoorbellConsumer(broker, doorbell, consumer, seen, fetching, batches)
    finally:
        await broker.stop()
        listening.cancel()
        await redis.aclose()


async def test_idle_consumer_with_doorbell_stops_fetching_and_a_ring_wakes_it(
    stack: TestStack, wiring: tuple[ServiceSettings, Topic]
) -> None:
    _, topic = wiring
    async with _doorbell_consumer(stack, topic) as bell:
        consumer, seen = bell.consumer, bell.seen
        # produced without a ring (a producer that is not ours): waits for one
        quiet = make(OrderFilled, client_id="c1", trade_no="T-quiet")
        await bell.broker.publish(quiet.model_dump_json().encode(), topic.name, key=b"c1")
        bell.doorbell.ring(topic.name, {})  # a ring without offsets: look once
        await _until(lambda: quiet.event_id in seen)
        # a Publisher with the doorbell rings by itself
        await _until(lambda: consumer.paused() == consumer.assignment())
        rung = make(OrderFilled, client_id="c2", trade_no="T-rung")
        await bell.publisher().publish(topic, rung)
        await _until(lambda: rung.event_id in seen)


async def test_doorbell_consumer_stops_fetching_once_it_read_what_the_ring_announced(
    stack: TestStack, wiring: tuple[ServiceSettings, Topic]
) -> None:
    # Records that arrive with a ring need no empty fetch to show they were all: the
    # broker would hold that fetch for its whole wait (2 s here), and the next ring's
    # records would wait behind it. The consumer pauses before it handles the batch.
    _, topic = wiring
    async with _doorbell_consumer(stack, topic, KAFKA_FETCH_MAX_WAIT_MS=2000) as bell:
        publisher = bell.publisher()
        first = make(OrderFilled, client_id="c1", trade_no="T-first")
        await publisher.publish(topic, first)
        await _until(lambda: first.event_id in bell.seen)
        second = make(OrderFilled, client_id="c1", trade_no="T-second")
        await publisher.publish(topic, second)
        await _until(lambda: second.event_id in bell.seen)
        assert bell.fetching_when_handled == {first.event_id: False, second.event_id: False}


async def test_doorbell_consumer_keeps_reading_until_its_fetch_comes_back(
    stack: TestStack, wiring: tuple[ServiceSettings, Topic]
) -> None:
    # A fetch held by the broker longer than one look after the ring: pausing while it was
    # out would discard its answer, and the record would wait for the (600 s) backstop.
    _, topic = wiring
    async with _doorbell_consumer(stack, topic, KAFKA_FETCH_MAX_WAIT_MS=300) as bell:
        bell.doorbell.ring(topic.name, {})  # wakes it: a fetch goes out, the broker holds it
        await asyncio.sleep(0.05)
        late = make(OrderFilled, client_id="c1", trade_no="T-late")
        await bell.publisher().publish(topic, late)  # rings while that fetch is still out
        await _until(lambda: late.event_id in bell.seen)


async def test_doorbell_consumer_reads_up_to_the_rung_offset_though_a_fetch_came_back_empty(
    stack: TestStack, wiring: tuple[ServiceSettings, Topic]
) -> None:
    # The embedded broker can answer the fetch a ring starts without the records the ring
    # announced. Here the ring comes first and the record 300 ms later, unrung: the
    # consumer must keep reading until it has the rung offset, not pause after an empty
    # fetch and wait for its (600 s) backstop.
    _, topic = wiring
    async with _doorbell_consumer(stack, topic) as bell:
        tp = next(iter(bell.consumer.assignment()))
        end = (await bell.consumer.end_offsets([tp]))[tp]
        late = make(OrderFilled, client_id="c1", trade_no="T-after-the-ring")
        bell.doorbell.ring(topic.name, {tp.partition: end + 1})
        await asyncio.sleep(0.3)
        await bell.broker.publish(
            late.model_dump_json().encode(), topic.name, key=b"c1", partition=tp.partition
        )
        await _until(lambda: late.event_id in bell.seen)


async def test_doorbell_rings_of_a_burst_share_round_trips_and_a_later_ring_still_arrives(
    stack: TestStack,
) -> None:
    redis = Redis.from_url(stack.redis_url, decode_responses=True)
    listener = redis.pubsub(ignore_subscribe_messages=True)
    topic = f"burst-{new_id()}"
    await listener.subscribe(channel(topic))
    heard: list[str] = []

    async def listen() -> None:
        async for message in listener.listen():
            heard.append(message["channel"])

    listening = asyncio.create_task(listen())
    try:
        doorbell = Doorbell(redis)
        for offset in range(200):  # a burst of produces, each ringing
            doorbell.ring(topic, {0: offset + 1})
        await _until(lambda: len(heard) >= 1)
        await asyncio.sleep(0.2)
        assert 1 <= len(heard) <= 2, heard  # the burst's rings shared one or two publishes
        before = len(heard)
        doorbell.ring(topic, {0: 201})  # a produce after them is announced too
        await _until(lambda: len(heard) > before)
    finally:
        listening.cancel()
        await listener.aclose()
        await redis.aclose()


async def test_publisher_batches_land_on_the_partition_the_producer_picks_for_each_key(
    stack: TestStack, wiring: tuple[ServiceSettings, Topic]
) -> None:
    settings, topic = wiring
    broker = build_broker(settings, "test")
    await broker.start()
    try:
        sent = [make(OrderFilled, client_id=f"client-{i}", trade_no=f"T{i}") for i in range(40)]
        await Publisher(broker).publish_many(topic, sent)
        for m in sent[:8]:  # the same keys one by one, through the producer's own partitioner
            await broker.publish(b"{}", topic.name, key=topic.key_of(m))
    finally:
        await broker.stop()
    consumer = AIOKafkaConsumer(
        topic.name, bootstrap_servers=stack.kafka_bootstrap, auto_offset_reset="earliest"
    )
    await consumer.start()
    try:
        records: list[Any] = []
        deadline = asyncio.get_running_loop().time() + 30
        while len(records) < 48 and asyncio.get_running_loop().time() < deadline:
            for batch in (await consumer.getmany(timeout_ms=200)).values():
                records += batch
    finally:
        await consumer.stop()
    partition_of: dict[bytes, set[int]] = {}
    for record in records:
        partition_of.setdefault(record.key, set()).add(record.partition)
    assert len(records) == 48
    assert all(len(p) == 1 for p in partition_of.values()), "one key landed on two partitions"
    assert len({p for ps in partition_of.values() for p in ps}) == 2  # keys spread over both
    events = [json.loads(r.value) for r in records if r.value != b"{}"]
    by_key: dict[str, list[str]] = {}
    for event in events:
        by_key.setdefault(event["client_id"], []).append(event["trade_no"])
    assert sum(len(v) for v in by_key.values()) == 40  # all there, each once


async def test_a_gathering_consumer_hands_what_arrives_within_its_window_over_as_one_batch(
    stack: TestStack, wiring: tuple[ServiceSettings, Topic]
) -> None:
    _, topic = wiring
    async with _doorbell_consumer(stack, topic, KAFKA_GATHER_MS=1000) as bell:
        publisher = bell.publisher()
        first, second, third = (
            make(OrderFilled, client_id="c1", trade_no=f"T-{i}") for i in range(3)
        )
        await publisher.publish(topic, first)
        await _until(lambda: first.event_id in bell.seen)  # the first after a quiet spell
        await publisher.publish(topic, second)
        await asyncio.sleep(0.2)  # a consumer that does not gather has handled it by now
        await publisher.publish(topic, third)
        await _until(lambda: third.event_id in bell.seen)
    assert bell.batches == [[first.event_id], [second.event_id, third.event_id]]


async def test_a_gathering_consumer_reads_on_at_once_while_its_batches_come_full(
    stack: TestStack, wiring: tuple[ServiceSettings, Topic]
) -> None:
    # A full batch means more is waiting (a replay, a burst): the window would only hold
    # it back. Batches of 2 and a ten-minute window: all five arrive within the test.
    _, topic = wiring
    async with _doorbell_consumer(
        stack, topic, KAFKA_GATHER_MS=600_000, KAFKA_MAX_RECORDS=2
    ) as bell:
        sent = [make(OrderFilled, client_id="c1", trade_no=f"T-{i}") for i in range(5)]
        await bell.publisher().publish_many(topic, sent)
        await _until(lambda: len(bell.seen) == len(sent))
    assert bell.batches == [[m.event_id for m in sent[i : i + 2]] for i in (0, 2, 4)]
