"""How a consumer waits for records: without faststream's pause after an empty poll, and
fetching adaptively (a doorbell's rings on the embedded broker; see `fetch_adaptively`)."""

import asyncio
import time
from itertools import chain
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition

from common.doorbell import Bell
from common.settings import ServiceSettings

BATCH_WAIT_MS = 1000
"""How long one poll of the consumer waits for records; it returns as soon as any arrive."""


def fetch_adaptively(
    subscriber: Any, settings: ServiceSettings, bell: Bell | None, gather_ms: int
) -> None:
    """Polls without faststream's pause after an empty poll, and fetches adaptively.

    faststream's batch subscriber sleeps `batch_timeout_ms` after every empty poll, which
    delays the next message by up to that long. Here an empty poll simply polls again.

    A broker that answers a fetch as soon as data arrives (Apache Kafka) needs nothing
    more. The embedded tansu broker answers only when the fetch wait ends, so its latency
    and its idle CPU both follow the wait. With a doorbell (`bell`, see common.doorbell) a
    consumer fetches only after a ring (or the backstop), for as long as it finds records
    and until it has read up to the offsets the rings announced, then sends no fetch until
    the next ring. Without one, a consumer that
    received records in the last `kafka_idle_after_seconds` fetches every
    `kafka_fetch_max_wait_ms` (fast), an idle one every `kafka_idle_fetch_max_wait_ms`.

    With `gather_ms`, a consumer that was just handed records waits out that window
    before it looks again. Every wake costs a fetch, a decode, faststream's dispatch and a
    commit whatever it carries (2.5 to 3 ms of CPU), and a single order sends each reader
    about five messages, each of which was a wake of its own. Only readers off an order's
    way to the broker gather (the portfolio, market-data, the order-router's P&L watch): on
    the way, the window would be latency.
    """
    gather_s = gather_ms / 1000
    busy_ms = settings.kafka_fetch_max_wait_ms
    idle_ms = max(settings.kafka_idle_fetch_max_wait_ms, busy_ms)
    idle_after = settings.kafka_idle_after_seconds
    backstop = settings.kafka_doorbell_backstop_seconds
    last_records = time.monotonic()
    handed_at = float("-inf")  # when the last records went to the handler
    looked_at = _now_ms()
    looking = True  # a consumer starts by looking at what is there

    async def get_msg(consumer: AIOKafkaConsumer) -> tuple[Any, ...]:
        nonlocal handed_at
        # The first records after a quiet spell go at once; what arrives within the window
        # after them waits for its end and comes as one batch (one wake, not one per record).
        await asyncio.sleep(max(0.0, handed_at + gather_s - time.monotonic()))
        records = await fetch(consumer)
        if len(records) >= settings.kafka_max_records:
            handed_at = float("-inf")  # more is waiting: a replay or a burst goes on at once
        elif records:
            handed_at = time.monotonic()
        return records

    async def fetch(consumer: AIOKafkaConsumer) -> tuple[Any, ...]:
        nonlocal last_records, looked_at, looking
        max_records = settings.kafka_max_records
        if bell is not None:
            # records from now on come with a ring
            if await _read_all_rung(consumer, bell, backstop) and (
                not looking or _caught_up(consumer, looked_at)
            ):
                looking = await _until_rung(consumer, bell, backstop)
                looked_at = _now_ms()
            else:
                consumer.resume(*consumer.paused())  # rung while the last batch was handled
            batches = await consumer.getmany(timeout_ms=_RUNG_WAIT_MS, max_records=max_records)
            if batches:  # more may follow: caught up only once a later fetch came back empty
                looked_at = _now_ms()
                if not looking and await _read_all_rung(consumer, bell, backstop):
                    # Everything announced is read: pause before the fetcher sends its next
                    # fetch, which the broker would hold for its whole wait and answer empty
                    # (about a millisecond of its CPU, and the next ring's fetch waits for
                    # it to come back). No await since getmany: the fetcher has not run.
                    consumer.pause(*consumer.assignment())
            return tuple(chain.from_iterable(batches.values()))
        batches = await consumer.getmany(timeout_ms=BATCH_WAIT_MS, max_records=max_records)
        fetcher = consumer._fetcher
        now = time.monotonic()
        if batches:
            last_records = now
            fetcher._fetch_max_wait_ms = busy_ms
        elif now - last_records > idle_after:
            fetcher._fetch_max_wait_ms = idle_ms
        return tuple(chain.from_iterable(batches.values()))

    subscriber.get_msg = get_msg


_RUNG_WAIT_MS = 20
"""One look for records after a ring; the consumer looks again until it is caught up."""


def _now_ms() -> int:
    return int(1000 * time.time())  # the clock aiokafka stamps fetch answers with


def _caught_up(consumer: AIOKafkaConsumer, since_ms: int) -> bool:
    """Every assigned partition had a fetch answered after `since_ms`, and no records
    came of it (a ring is per topic: the records may be on another member's partitions).

    Waiting for the answer, not for a fixed time, matters: a consumer that paused while
    its fetch was still out would have that answer discarded, and on a busy machine it
    could pause and resume forever without ever reading.
    """
    for partition in consumer.assignment():
        answered = consumer.last_poll_timestamp(partition)
        if answered is None or answered < since_ms:
            return False
    return True


async def _read_all_rung(consumer: AIOKafkaConsumer, bell: Bell, backstop: float) -> bool:
    """Whether this consumer's position has reached every offset rung for its partitions.

    A ring's offsets for partitions another member owns are not this one's to read; an
    offset it cannot reach within `backstop` seconds (a record that will never be served)
    is given up, as the backstop would."""
    assigned = consumer.assignment()
    now = time.monotonic()
    for (topic, partition), (end, rung_at) in list(bell.owed.items()):
        tp = TopicPartition(topic, partition)
        if tp not in assigned or now - rung_at > backstop or await consumer.position(tp) >= end:
            del bell.owed[(topic, partition)]
    return not bell.owed


async def _until_rung(consumer: AIOKafkaConsumer, bell: Bell, backstop: float) -> bool:
    """No fetches (partitions paused) until the bell rings or `backstop` seconds pass;
    returns whether the consumer is to look (see `Bell.look`) rather than read up to the
    offsets the rings announced."""
    consumer.pause(*consumer.assignment())
    try:
        try:
            await asyncio.wait_for(bell.rung.wait(), backstop)
        except TimeoutError:
            bell.look()  # the backstop: whatever came unannounced
    finally:
        bell.rung.clear()  # before the fetch: a ring from now on means records after it
        consumer.resume(*consumer.paused())  # what a rebalance left assigned
    return bell.take_look()
