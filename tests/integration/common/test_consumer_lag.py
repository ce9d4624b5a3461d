"""Consumer lag read from a real consumer's memory (aiokafka on the stack's broker): the high
watermark of its last fetch minus the records it has handed out, per partition it holds."""

import asyncio

from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from common.consumer_lag import ConsumerLag, partition_lag
from common.contracts.order_events import OrderLifecycleEvent
from common.ids import new_id
from common.kafka import ensure_topics
from common.topics import Topic
from stack.testing import TestStack


async def test_lag_is_what_the_consumer_has_not_handed_out_yet(stack: TestStack) -> None:
    topic = Topic(
        f"test.lag.{new_id()[:8]}.v1", lambda m: "k", "k", 1, OrderLifecycleEvent, "lag test"
    )
    await ensure_topics(stack.kafka_bootstrap, [topic])
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    try:
        for i in range(5):
            await producer.send_and_wait(topic.name, f"record {i}".encode(), key=b"k")
    finally:
        await producer.stop()
    consumer = AIOKafkaConsumer(
        topic.name,
        bootstrap_servers=stack.kafka_bootstrap,
        group_id=f"lag-test-{new_id()[:8]}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    lag = ConsumerLag("test_lag")
    assert partition_lag(consumer) == {}  # not started: nothing assigned, nothing reported
    await consumer.start()
    try:
        handed: list[object] = []
        deadline = asyncio.get_running_loop().time() + 30
        while not handed and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500, max_records=2)
            handed += [r for records in batches.values() for r in records]
        assert len(handed) == 2
        assert partition_lag(consumer) == {(topic.name, 0): 3}

        lag.watch("lag-group", consumer)
        (family,) = lag.collect()
        assert [(s.labels, s.value) for s in family.samples] == [
            ({"group": "lag-group", "topic": topic.name, "partition": "0"}, 3.0)
        ]
        while len(handed) < 5 and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500, max_records=5)
            handed += [r for records in batches.values() for r in records]
        assert partition_lag(consumer) == {(topic.name, 0): 0}
    finally:
        await consumer.stop()
