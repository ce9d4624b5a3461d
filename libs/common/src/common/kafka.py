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
from aiokafka.helpers import create_ssl_context
from faststream.kafka import KafkaBroker
from faststream.kafka.security import parse_security
from faststream.security import BaseSecurity, SASLPlaintext, SASLScram256, SASLScram512

from common.contracts.envelope import Message
from common.doorbell import Doorbell
from common.settings import ServiceSettings
from common.topics import ALL_TOPICS, Topic

log = logging.getLogger(__name__)


_SASL = {"SCRAM-SHA-512": SASLScram512, "SCRAM-SHA-256": SASLScram256, "PLAIN": SASLPlaintext}


def kafka_security(settings: ServiceSettings) -> BaseSecurity | None:
    """How this service authenticates to Kafka (its own user) and whether over TLS.

    None for PLAINTEXT (the embedded broker, which has no users). With TLS the brokers'
    certificates are checked against KAFKA_CA_FILE, else the system's trusted CAs.
    """
    protocol = settings.kafka_security_protocol
    if protocol == "PLAINTEXT":
        return None
    tls = protocol in ("SSL", "SASL_SSL")
    context = create_ssl_context(cafile=settings.kafka_ca_file) if tls else None
    if protocol == "SSL":
        return BaseSecurity(ssl_context=context, use_ssl=True)
    return _SASL[settings.kafka_sasl_mechanism](
        settings.kafka_username,
        settings.kafka_password.get_secret_value(),
        ssl_context=context,
        use_ssl=tls,
    )


def kafka_client_options(settings: ServiceSettings) -> dict[str, Any]:
    """The same security as aiokafka keyword arguments, for clients made without faststream
    (the admin client, tools): security_protocol, ssl_context, sasl_* ."""
    return parse_security(kafka_security(settings))


def build_broker(settings: ServiceSettings, service: str) -> KafkaBroker:
    """A broker tuned for latency: no producer linger, acks from all in-sync replicas.

    The idempotent producer stays off (the embedded broker lacks it); a production cluster
    may enable it through librdkafka-free config later without code changes here.
    """
    return KafkaBroker(
        settings.kafka_bootstrap,
        security=kafka_security(settings),
        client_id=service,
        acks="all",
        linger_ms=1,
        enable_idempotence=False,
        request_timeout_ms=15000,
        logger=logging.getLogger(f"faststream.{service}"),
        log_level=logging.DEBUG,
        graceful_timeout=5.0,
        # Handlers take their batch as it is (consumers.py): no fast_depends injection,
        # which ran its context lookup (`msg: KafkaMessage`) in a worker thread for every
        # batch (py-spy: 39 % of the order-router's consuming CPU, and a thread hop of latency).
        apply_types=False,
    )


async def ensure_topics(
    bootstrap: str,
    topics: Sequence[Topic] = ALL_TOPICS,
    *,
    settings: ServiceSettings | None = None,
) -> None:
    """Create each topic and its dead-letter topic if missing (safe to call at every start).

    With `settings`, connects as the service's Kafka user. Under ACLs a service may not
    create topics (Strimzi's KafkaTopic resources or compose's kafka-setup make them): the
    broker then answers with an authorization error per topic, which changes nothing here.
    """
    options = kafka_client_options(settings) if settings is not None else {}
    admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap, request_timeout_ms=10000, **options)
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
        written = await asyncio.gather(*futures)
        if self.doorbell is not None:
            ends: dict[int, int] = {}
            for record in written:  # the offset after the last record, per partition
                ends[record.partition] = max(record.offset + 1, ends.get(record.partition, 0))
            self.doorbell.ring(topic.name, ends)


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
