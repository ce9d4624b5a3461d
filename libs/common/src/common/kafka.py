"""Kafka wiring on faststream: the broker, topics and publishing.

Every produce goes as one record batch per partition, keyed as its topic says, with the
envelope in headers; the consuming side (at-least-once batches, DLQ) is common.consumers.
"""

import asyncio
import contextlib
import logging
from collections.abc import Sequence

from aiokafka import AIOKafkaProducer
from aiokafka.admin import AIOKafkaAdminClient, NewTopic
from aiokafka.errors import TopicAlreadyExistsError
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

        Each message is appended to its partition's open record batch in aiokafka's
        accumulator (the partition chosen from the key), so a batch of 2,000 events is a
        handful of requests, and messages from concurrent callers share batches too: a
        record batch of our own per call allowed one produce in flight per partition, and
        200 single orders a second queued behind each other until they timed out.
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
        futures = [
            await producer.send(
                topic.name,
                value=m.model_dump_json().encode(),
                key=topic.key_of(m),
                headers=[(k, v.encode()) for k, v in _headers(m).items()],
            )
            for m in messages
        ]
        await asyncio.gather(*futures)
        if self.doorbell is not None:
            await self.doorbell.ring(topic.name)


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
