"""What the consumer groups gave this process, read from the running Kafka consumers.

`common.service` wires the consumers and offers no rebalance callback, so the portfolio asks
the aiokafka consumer behind a faststream subscriber for its assignment: a set it holds in
memory, no round trip, cheap enough to look at before every batch. aiokafka keeps the old
assignment until the new one arrives, so the answer is always a whole assignment.
"""

from typing import Any

from aiokafka import AIOKafkaConsumer
from aiokafka.errors import IllegalStateError
from common.topics import Topic
from faststream.kafka import KafkaBroker

from portfolio.ownership import Assigned


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
