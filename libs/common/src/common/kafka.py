"""Kafka wiring on faststream: the broker, topics and publishing.

Every produce goes as one record batch per partition, keyed as its topic says, with the
envelope in headers; the consuming side (at-least-once batches, DLQ) is common.consumers.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence
from typing import Any

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
from aiokafka.partitioner import DefaultPartitioner
from faststream.kafka import KafkaBroker

from common.contracts.envelope import Message
from common.doorbell import Doorbell
from common.settings import ServiceSettings
from common.topics import ALL_TOPICS, Topic

log = logging.getLogger(__name__)


def build_broker(settings: ServiceSettings, service: str) -> KafkaBroker:
    """A broker tuned for latency: no producer linger, acks from all in-sync replicas.

    The idempotent producer stays off (the embedded broker lacks it); a production cluster
    may enable it through librdkafka-free config later without code changes here.
    """
    return KafkaBroker(
        settings.kafka_bootstrap,
        client_id=service,
        acks="all",
        linger_ms=1,
        enable_idempotence=False,
        request_timeout_ms=15000,
        logger=logging.getLogger(f"faststream.{service}"),
        log_level=logging.DEBUG,
        graceful_timeout=5.0,
    )


async def ensure_topics(bootstrap: str, topics: Sequence[Topic] = ALL_TOPICS) -> None:
    """Create each topic and its dead-letter topic if missing (safe to call at every start)."""
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000)
    await admin.start()
    try:
        existing = set(await admin.list_topics())
        wanted: list[NewTopic] = []
        for topic in topics:
            config = {"cleanup.policy": "compact"} if topic.compacted else {}
            if topic.name not in existing:
                wanted.append(NewTopic(topic.name, topic.partitions, 1, topic_configs=config))
            if topic.dlq not in existing:
                wanted.append(NewTopic(topic.dlq, 1, 1))
        for new in wanted:  # one by one: a concurrent creator must not fail the others
            with contextlib.suppress(TopicAlreadyExistsError):
                await admin.create_topics([new])
    finally:
        await admin.close()


class Publisher:
    """Publishes contract messages with their topic's key and the envelope in headers."""

    def __init__(self, broker: KafkaBroker) -> None:
        self.broker = broker
        self.doorbell: Doorbell | None = None
        """Rung after every produce when set (the embedded stack; see common.doorbell)."""

    async def publish(self, topic: Topic, message: Message) -> None:
        await self.publish_many(topic, [message])

    async def publish_many(self, topic: Topic, messages: Sequence[Message]) -> None:
        """Send many at once and wait until the broker has all of them.

        Messages go as one record batch per partition (in their order within it), the
        partition chosen from the key exactly as the producer itself would; a batch of
        2,000 events is a handful of requests instead of 2,000 sends.
        """
        if not messages:
            return
        producer = _aiokafka_producer(self.broker)
        if producer is None:  # faststream's in-memory test broker: one publish each
            for m in messages:
                await self.broker.publish(
                    m.model_dump_json().encode(), topic.name, key=topic.key_of(m),
                    headers=_headers(m), correlation_id=m.correlation_id,
                )  # fmt: skip
            return
        partitions = sorted(await producer.partitions_for(topic.name))
        batches: dict[int, list[Any]] = {}
        for m in messages:
            key = topic.key_of(m)
            record = {
                "key": key,
                "value": m.model_dump_json().encode(),
                "timestamp": None,
                "headers": [(k, v.encode()) for k, v in _headers(m).items()],
            }
            chain_of = batches.setdefault(_PARTITIONER(key, partitions, partitions), [])
            if not chain_of or chain_of[-1].append(**record) is None:
                chain_of.append(producer.create_batch())  # a new batch when one is full
                if chain_of[-1].append(**record) is None:
                    raise ValueError(f"a {topic.name} message is larger than a record batch")
        futures = [
            await producer.send_batch(batch, topic.name, partition=partition)
            for partition, chain_of in batches.items()
            for batch in chain_of
        ]
        await asyncio.gather(*futures)
        if self.doorbell is not None:
            await self.doorbell.ring(topic.name)


_PARTITIONER = DefaultPartitioner()


def _aiokafka_producer(broker: KafkaBroker) -> AIOKafkaProducer | None:
    """The aiokafka producer behind a started faststream broker (None in test brokers)."""
    state = getattr(getattr(broker, "_producer", None), "_producer", None)
    producer = getattr(state, "producer", None)
    return producer if isinstance(producer, AIOKafkaProducer) else None


def _headers(message: Message) -> dict[str, str]:
    return {
        "event_type": message.type,
        "schema_version": str(message.schema_version),
        "correlation_id": message.correlation_id,
        "actor": message.actor,
    }
