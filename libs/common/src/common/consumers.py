"""Kafka consumers: at-least-once batches, skipped records, dead letters (how a consumer
waits for records, the doorbell included, is common.consumer_fetch).

Consumers take a batch, hand it to the service's handler, and commit only after the
handler returned, i.e. after its effect is durable. If the process dies before the commit,
the batch is delivered again, so handlers must be idempotent (they are, by design).

What happens when a handler fails:
- a message that does not parse against its topic's schema goes to `<topic>.dlq` at once;
- a transient infrastructure error (database, Redis or Kafka unreachable, a timeout) is
  retried with backoff for as long as it lasts: nothing is skipped during an outage;
- any other error is retried message by message, and after `max_attempts` the message
  goes to `<topic>.dlq` with the error, so one bad message cannot stall a partition.
"""

import asyncio
import logging
import time
from collections.abc import Awaitable, Callable, Collection, Sequence
from dataclasses import dataclass
from typing import Any

import asyncpg
import redis.exceptions
from aiokafka import AIOKafkaConsumer, ConsumerRebalanceListener, TopicPartition
from aiokafka.errors import KafkaError
from faststream import AckPolicy
from faststream.kafka import KafkaBroker, KafkaMessage
from pydantic import ValidationError

from common.consumer_fetch import BATCH_WAIT_MS, fetch_adaptively
from common.consumer_lag import ConsumerLag
from common.contracts.envelope import Message
from common.doorbell import Doorbell
from common.metrics import consumer_metrics
from common.settings import ServiceSettings
from common.topics import Topic

log = logging.getLogger(__name__)

BatchHandler = Callable[[Sequence[Message]], Awaitable[None]]
Revoked = Callable[[Collection[TopicPartition]], Awaitable[None]]
"""Called when the group takes partitions away from this member, before it rejoins: the
partitions' next owner is dealt them only after every member's call returned."""

Wants = Callable[[str, str], bool]
"""Whether a consumer reads a record, from its `event_type` header and its key alone.

A record no consumer of its topic wants is committed without being parsed: a service that
reads one message type of a busy topic (or only the clients someone watches) pays for a
header lookup per record, not for JSON parsing and validation. A record without an
`event_type` header (a producer that is not ours) is always read and parsed."""


def of_types(*types: type[Message]) -> Wants:
    """Wants only these message types and their subclasses (by their `type` literal)."""
    names: set[str] = set()
    pending = list(types)
    while pending:
        kind = pending.pop()
        pending.extend(kind.__subclasses__())
        default = kind.model_fields["type"].default
        if isinstance(default, str):
            names.add(default)
    return lambda event_type, _key: event_type in names


TRANSIENT_ERRORS: tuple[type[BaseException], ...] = (
    OSError,
    TimeoutError,
    asyncpg.exceptions.InterfaceError,
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InternalClientError,  # the server went away mid-query
    asyncpg.exceptions.CannotConnectNowError,
    asyncpg.exceptions.TooManyConnectionsError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    KafkaError,
)


class PoisonMessage(Exception):
    """Raise from a handler when a message can never be processed; it goes to the DLQ now."""


@dataclass
class Consumer:
    """One subscription: a topic, a consumer group and the handler of its batches."""

    topic: Topic
    group: str
    handler: BatchHandler
    max_attempts: int = 5
    from_beginning: bool = True
    wants: Wants | None = None
    """None reads every record of the topic."""
    commits: bool = True
    """False for a group of one process that always starts from the latest offset
    (`ServiceRuntime.follow`): its offsets would never be read."""
    on_revoked: Revoked | None = None
    gather_ms: int | None = None
    """The group member's gather window (common.consumer_fetch); None: KAFKA_GATHER_MS."""

    def reads(self, record: Any) -> bool:
        if self.wants is None:
            return True
        event_type = _event_type(record)
        return event_type is None or self.wants(event_type, _key(record))


def _event_type(record: Any) -> str | None:
    for name, value in record.headers or ():
        if name == "event_type":
            return bytes(value).decode()
    return None


def _key(record: Any) -> str:
    return bytes(record.key).decode() if record.key else ""


def subscribe(
    broker: KafkaBroker,
    settings: ServiceSettings,
    service: str,
    consumers: Sequence[Consumer],
    doorbell: Doorbell | None = None,
) -> None:
    """Register consumers that share a group as ONE group member over all their topics.

    One member per group instead of one per topic: fewer fetch loops and group joins, and
    two handlers of one topic in one group each see every message (separate members would
    split the partitions between them). Commits are manual, after every handler returned.
    """
    group = consumers[0].group
    from_beginning = consumers[0].from_beginning
    commits = consumers[0].commits
    gather_ms = consumers[0].gather_ms
    if any(
        (c.group, c.from_beginning, c.commits, c.gather_ms)
        != (group, from_beginning, commits, gather_ms)
        for c in consumers
    ):
        raise ValueError(
            "consumers subscribed together must share group, offset policy and gather window"
        )
    metrics = consumer_metrics(service)
    topics = {c.topic.name: c.topic for c in consumers}
    readers = {name: [c for c in consumers if c.topic.name == name] for name in topics}
    attempts: dict[tuple[int, str, int, int], int] = {}

    revoked = [c.on_revoked for c in consumers if c.on_revoked is not None]
    subscriber = broker.subscriber(
        *topics,
        group_id=group,
        listener=_Revocations(revoked) if revoked else None,
        batch=True,
        max_records=settings.kafka_max_records,
        batch_timeout_ms=BATCH_WAIT_MS,
        fetch_max_wait_ms=settings.kafka_fetch_max_wait_ms,
        session_timeout_ms=settings.kafka_session_timeout_ms,
        heartbeat_interval_ms=settings.kafka_heartbeat_interval_ms,
        rebalance_timeout_ms=settings.kafka_rebalance_timeout_ms,
        auto_offset_reset="earliest" if from_beginning else "latest",
        ack_policy=AckPolicy.MANUAL,
        decoder=_raw_bodies,
        title=f"{service}:{group}",
        description="; ".join(f"{t.name}: {t.description}" for t in topics.values()),
    )

    async def on_batch(raw: list[bytes]) -> None:
        started = time.perf_counter()
        msg: KafkaMessage = broker.context.get_local("message")
        records: tuple[Any, ...] = msg.raw_message
        by_topic: dict[str, list[tuple[Any, Message]]] = {}
        for record in records:
            topic = topics[record.topic]
            if not any(c.reads(record) for c in readers[topic.name]):
                continue
            try:
                by_topic.setdefault(topic.name, []).append((record, topic.parse(record.value)))
            except ValidationError as error:
                await _dead_letter(broker, topic, record, f"invalid message: {error}", service)
                metrics.dead_lettered.labels(topic.name).inc()
        for index, consumer in enumerate(consumers):
            parsed = by_topic.get(consumer.topic.name)
            if parsed and consumer.wants is not None:
                parsed = [(r, m) for r, m in parsed if consumer.reads(r)]
            if not parsed:
                continue
            name = consumer.topic.name
            try:
                await consumer.handler([m for _, m in parsed])
            except TRANSIENT_ERRORS as error:
                metrics.failed.labels(name, "true").inc()
                log.warning("transient failure on %s, will retry: %r", name, error)
                await asyncio.sleep(1.0)
                await msg.nack()
                return
            except Exception:
                metrics.failed.labels(name, "false").inc()
                log.exception("handler failed on a batch of %s; isolating messages", name)
                if not await _one_by_one(broker, consumer, index, parsed, attempts, service):
                    await msg.nack()
                    return
        if commits:
            await _commit(msg, records)
        for topic_name in {r.topic for r in records}:
            metrics.consumed.labels(topic_name).inc(
                sum(1 for r in records if r.topic == topic_name)
            )
            metrics.batch_seconds.labels(topic_name).observe(time.perf_counter() - started)

    subscriber(on_batch)
    fetch_adaptively(
        subscriber,
        settings,
        doorbell.bell(topics) if doorbell else None,
        settings.kafka_gather_ms if gather_ms is None else gather_ms,
    )
    _report_lag(subscriber, group, metrics.lag)


class _Revocations(ConsumerRebalanceListener):
    """Tells the group's handlers which partitions they lose (aiokafka awaits it)."""

    def __init__(self, calls: Sequence[Revoked]) -> None:
        self._calls = calls

    async def on_partitions_revoked(self, revoked: Collection[TopicPartition]) -> None:
        for call in self._calls:
            await call(revoked)

    async def on_partitions_assigned(self, assigned: Collection[TopicPartition]) -> None:
        return None


def _report_lag(subscriber: Any, group: str, lag: ConsumerLag) -> None:
    """The group's consumer is handed to the lag gauge, read only when scraped."""
    fetch = subscriber.get_msg

    async def get_msg(consumer: AIOKafkaConsumer) -> tuple[Any, ...]:
        lag.watch(group, consumer)
        return await fetch(consumer)

    subscriber.get_msg = get_msg


async def _commit(msg: KafkaMessage, records: Sequence[Any]) -> None:
    """Commits the next offset of each partition in the batch, and only those."""
    offsets: dict[TopicPartition, int] = {}
    for record in records:
        partition = TopicPartition(record.topic, record.partition)
        offsets[partition] = max(offsets.get(partition, 0), record.offset + 1)
    if offsets:
        await msg.consumer.commit(offsets)  # type: ignore[call-arg]


async def _raw_bodies(msg: KafkaMessage) -> Any:
    # Bodies stay bytes: each is parsed once, against its topic's schema, in on_batch.
    return msg.body


async def _one_by_one(
    broker: KafkaBroker,
    consumer: Consumer,
    index: int,
    parsed: list[tuple[Any, Message]],
    attempts: dict[tuple[int, str, int, int], int],
    service: str,
) -> bool:
    """Handle each message alone; True when every one was handled or dead-lettered."""
    metrics = consumer_metrics(service)
    topic = consumer.topic
    for record, message in parsed:
        position = (index, record.topic, record.partition, record.offset)
        try:
            await consumer.handler([message])
        except PoisonMessage as error:
            await _dead_letter(broker, topic, record, f"poison message: {error}", service)
            metrics.dead_lettered.labels(topic.name).inc()
        except TRANSIENT_ERRORS:
            await asyncio.sleep(1.0)
            return False
        except Exception as error:
            attempts[position] = attempts.get(position, 0) + 1
            if attempts[position] < consumer.max_attempts:
                log.warning(
                    "message %s@%s failed (attempt %d of %d): %r",
                    topic.name,
                    position[2:],
                    attempts[position],
                    consumer.max_attempts,
                    error,
                )
                await asyncio.sleep(min(0.1 * 2 ** attempts[position], 5.0))
                return False
            await _dead_letter(broker, topic, record, f"handler failed: {error!r}", service)
            metrics.dead_lettered.labels(topic.name).inc()
        attempts.pop(position, None)
    return True


async def _dead_letter(
    broker: KafkaBroker, topic: Topic, record: Any, error: str, service: str
) -> None:
    log.error(
        "dead-lettering %s partition %s offset %s: %s",
        topic.name,
        record.partition,
        record.offset,
        error[:2000],
    )
    await broker.publish(
        record.value,
        topic.dlq,
        key=record.key,
        headers={
            "error": error[:4000],
            "source_topic": topic.name,
            "source_partition": str(record.partition),
            "source_offset": str(record.offset),
            "service": service,
        },
    )
