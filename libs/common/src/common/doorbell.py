"""A doorbell beside the embedded Kafka broker: producers ring, paused consumers wake.

The embedded broker (tansu) holds a fetch for its whole wait even when data arrives in
the meantime, and each fetch costs it about a millisecond of CPU. A consumer that
long-polls there pays the wait as latency on every hop; one that polls fast keeps the
broker busy while nothing happens. With the doorbell (KAFKA_DOORBELL, on in the embedded
stack), a consumer that has read all there is pauses its partitions, so it sends no
fetches at all, and waits for a ring: every `Publisher` publishes, on the topic's Redis
channel, the end offset of each partition it produced to, once the produce was
acknowledged. A ring resumes the consumer at once, and it reads until it has every record
the ring announced. A missed ring (Redis restarting, a producer that is not ours) costs at
most KAFKA_DOORBELL_BACKSTOP_SECONDS, after which the consumer looks anyway.

Apache Kafka answers a fetch as soon as data arrives: there the doorbell is not needed
and stays off.
"""

import asyncio
import json
import logging
import time
from collections.abc import Iterable, Mapping

from redis.asyncio import Redis

log = logging.getLogger(__name__)

CHANNEL_PREFIX = "kafka-doorbell:"


def channel(topic: str) -> str:
    return CHANNEL_PREFIX + topic


class Bell:
    """One consumer's bell: `rung` is set by a ring for any of its topics, and `owed` keeps
    the offsets those rings announced, per (topic, partition), until the consumer has read
    up to them.

    "Caught up" cannot be read off an empty fetch alone: the embedded broker may answer a
    fetch sent just after the ring without the records the ring announced (a 10-client
    batch then waited a whole backstop second at a hop, one run in two)."""

    def __init__(self) -> None:
        self.rung = asyncio.Event()
        self.owed: dict[tuple[str, int], tuple[int, float]] = {}
        """(topic, partition) -> (end offset announced, when it was rung: monotonic)."""
        self._look_asked = False

    def ring(self, topic: str, ends: Mapping[int, int]) -> None:
        if not ends:  # a producer that is not ours: what it wrote is not announced
            self.look()
            return
        now = time.monotonic()
        for partition, end in ends.items():
            known = self.owed.get((topic, partition))
            if known is None or end > known[0]:
                self.owed[(topic, partition)] = (end, now)
        self.rung.set()

    def look(self) -> None:
        """Wake the consumer to look for whatever there is, announced or not: it is caught
        up only once a fetch comes back empty."""
        self._look_asked = True
        self.rung.set()

    def take_look(self) -> bool:
        """Whether a look was asked since the last time this was called."""
        asked, self._look_asked = self._look_asked, False
        return asked


class Doorbell:
    """One per process: rings for its producers, wakes its consumers' bells."""

    def __init__(self, redis: Redis) -> None:
        self._redis = redis
        self._bells: dict[str, list[Bell]] = {}
        self._due: dict[str, dict[int, int]] = {}
        self._ringer: asyncio.Task[None] | None = None

    def ring(self, topic: str, ends: Mapping[int, int]) -> None:
        """Tell the topic's consumers, wherever they run, that its partitions now end at
        `ends` (partition -> the offset after the last record produced).

        Returns at once; one task rings every topic due, so a burst of produces costs a
        few Redis round trips, not one each (it was a tenth of the broker-adapter's CPU
        in a 1,000-order burst). A ring asked while another is out goes after it."""
        due = self._due.setdefault(topic, {})
        for partition, end in ends.items():
            due[partition] = max(end, due.get(partition, 0))
        if self._ringer is None or self._ringer.done():
            self._ringer = asyncio.create_task(self._ring_due())

    async def _ring_due(self) -> None:
        while self._due:
            due, self._due = self._due, {}
            try:
                async with self._redis.pipeline(transaction=False) as pipe:
                    for topic, ends in due.items():
                        pipe.publish(channel(topic), json.dumps(ends))
                    await pipe.execute()
            except Exception as error:  # a lost ring only delays a consumer to its backstop
                log.warning("doorbell ring for %s failed: %r", ", ".join(sorted(due)), error)

    def bell(self, topics: Iterable[str]) -> Bell:
        """A bell rung whenever one of these topics is (its consumer clears `rung`)."""
        bell = Bell()
        for topic in topics:
            self._bells.setdefault(topic, []).append(bell)
        return bell

    async def listen(self) -> None:
        """Receive rings until cancelled; run as a background loop (restarted on errors)."""
        if not self._bells:
            return
        pubsub = self._redis.pubsub(ignore_subscribe_messages=True)
        try:
            await pubsub.subscribe(*(channel(t) for t in self._bells))
            self._wake_all()  # anything rung while not subscribed: look once
            async for message in pubsub.listen():
                topic = str(message["channel"]).removeprefix(CHANNEL_PREFIX)
                ends = _ends(message["data"])
                for bell in self._bells.get(topic, ()):
                    bell.ring(topic, ends)
        finally:
            self._wake_all()  # until re-subscribed, consumers must not wait on a dead bell
            await pubsub.aclose()

    def _wake_all(self) -> None:
        for bells in self._bells.values():
            for bell in bells:
                bell.look()


def _ends(data: object) -> dict[int, int]:
    """A ring's offsets; none from a ring that carries none (a producer that is not ours)."""
    try:
        found = json.loads(data) if isinstance(data, str | bytes) and data else {}
        return {int(p): int(e) for p, e in found.items()}
    except (ValueError, TypeError, AttributeError):
        return {}
