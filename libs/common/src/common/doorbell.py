"""A doorbell beside the embedded Kafka broker: producers ring, paused consumers wake.

The embedded broker (tansu) holds a fetch for its whole wait even when data arrives in
the meantime, and each fetch costs it about a millisecond of CPU. A consumer that
long-polls there pays the wait as latency on every hop; one that polls fast keeps the
broker busy while nothing happens. With the doorbell (KAFKA_DOORBELL, on in the embedded
stack), a consumer that has read all there is pauses its partitions, so it sends no
fetches at all, and waits for a ring: every `Publisher` publishes the topic's name on
Redis after a produce was acknowledged. A ring resumes the consumer at once, and it reads
until a fetch finds nothing new. A missed ring (Redis restarting, a producer that is not
ours) costs at most KAFKA_DOORBELL_BACKSTOP_SECONDS, after which the consumer looks anyway.

Apache Kafka answers a fetch as soon as data arrives: there the doorbell is not needed
and stays off.
"""

import asyncio
import logging
from collections.abc import Iterable

from redis.asyncio import Redis

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "kafka-doorbell:"


def channel(topic: str) -> str:
    return CHANNEL_PREFIX + topic


class Doorbell:
    """One per process: rings for its producers, wakes its consumers' bells."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._bells: dict[str, list[asyncio.Event]] = {}

    async def ring(self, topic: str) -> None:
        """Tell the topic's consumers, wherever they run, that it has new records."""
        try:
            await self._redis.publish(channel(topic), "")
        except Exception as error:  # a lost ring only delays a consumer to its backstop
            log.warning("doorbell ring for %s failed: %r", topic, error)

    def bell(self, topics: Iterable[str]) -> asyncio.Event:
        """An event set whenever one of these topics is rung (cleared by its consumer)."""
        event = asyncio.Event()
        event.set()  # a consumer starts by looking
        for topic in topics:
            self._bells.setdefault(topic, []).append(event)
        return event

    async def listen(self) -> None:
        """Receive rings until cancelled; run as a background loop (restarted on errors)."""
        if not self._bells:
            return
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(*(channel(t) for t in self._bells))
            self._wake_all()  # anything rung while not subscribed: look once
            async for message in pubsub.listen():
                name = str(message["channel"]).removeprefix(CHANNEL_PREFIX)
                for event in self._bells.get(name, ()):
                    event.set()
        finally:
            self._wake_all()  # until re-subscribed, consumers must not wait on a dead bell
            await pubsub.aclose()

    def _wake_all(self) -> None:
        for events in self._bells.values():
            for event in events:
                event.set()
