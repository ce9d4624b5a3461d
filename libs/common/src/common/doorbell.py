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
        self._due: set[str] = set()
        self._ringer: asyncio.Task[None] | None = None

    def ring(self, topic: str) -> None:
        """Tell the topic's consumers, wherever they run, that it has new records.

        Returns at once; one task rings every topic due, so a burst of produces costs a
        few Redis round trips, not one each (it was a tenth of the broker-adapter's CPU
        in a 1,000-order burst). A ring asked while another is out goes after it: the
        records it announces may have missed the fetch the first one started."""
        self._due.add(topic)
        if self._ringer is None or self._ringer.done():
            self._ringer = asyncio.create_task(self._ring_due())

    async def _ring_due(self) -> None:
        while self._due:
            topics, self._due = self._due, set()
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for topic in topics:
                        pipe.publish(channel(topic), "")
                    await pipe.execute()
            except Exception as error:  # a lost ring only delays a consumer to its backstop
                log.warning("doorbell ring for %s failed: %r", ", ".join(sorted(topics)), error)

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
