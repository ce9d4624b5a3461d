"""Which keys a process's consumer group gave it, read from the running Kafka consumers.

A record's partition is the one its producers pick: aiokafka's default partitioner, murmur2
of the key as Java's client does, modulo the topic's partitions. So the process that reads a
key's records is known from the key, the partition count and the group's assignment, and a
replica can keep to "its" clients (the portfolio's live book, the adapter's account sweep).

`common.service` wires the consumers and offers no rebalance callback, so the assignment is
asked of the aiokafka consumer behind a faststream subscriber: a set it holds in memory, no
round trip, cheap enough to look at before every batch. aiokafka keeps the old assignment
until the new one arrives, so the answer is always a whole assignment.
"""

from dataclasses import dataclass
from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import IllegalStateError
from aiokafka.partitioner import murmur2
from faststream.kafka import KafkaBroker

from common.topics import Topic


def partition_of(key: str, partitions: int) -> int:
    """The partition a record keyed `key` goes to (the producers' choice)."""
    return (murmur2(key.encode()) & 0x7FFFFFFF) % partitions


@dataclass(frozen=True)
class Assigned:
    """What the consumer group gave this process: some partitions of a topic of `count`."""

    partitions: frozenset[int]
    count: int

    def owns(self, key: str) -> bool:
        return partition_of(key, self.count) in self.partitions


def member(broker: KafkaBroker, topic: Topic) -> AIOKafkaConsumer | None:
    """The running consumer that reads `topic` (None before start and after stop)."""
    for subscriber in broker.subscribers:
        names: Any = getattr(subscriber, "topic_names_for_subscribe", ())
        if topic.name in names:
            consumer = getattr(subscriber, "consumer", None)
            return consumer if isinstance(consumer, AIOKafkaConsumer) else None
    return None


def assigned(consumer: AIOKafkaConsumer | None, topic: Topic) -> Assigned | None:
    """The partitions of `topic` the consumer's group gave it, out of how many the topic
    has; None until it joined (its group reads other topics too, so a joined member
    has some partition unless there are more members than partitions)."""
    if consumer is None:
        return None
    partitions = consumer.assignment()
    if not partitions:
        return None
    count = len(consumer.partitions_for_topic(topic.name) or ()) or topic.partitions
    mine = frozenset(tp.partition for tp in partitions if tp.topic == topic.name)
    return Assigned(mine, count)


async def reading(consumer: AIOKafkaConsumer | None) -> bool:
    """Whether the consumer joined and knows where it reads every partition from: a record
    produced from now on will reach it (a follower starts at the latest offset)."""
    if consumer is None or not consumer.assignment():
        return False
    try:
        for partition in consumer.assignment():
            await consumer.position(partition)
    except IllegalStateError:  # a rebalance took the partition meanwhile
        return False
    return True
