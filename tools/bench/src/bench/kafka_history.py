"""`python -m bench.kafka_history`: what a fetch costs the embedded broker as history grows.

Starts the embedded Kafka-protocol broker (tansu, memory storage) alone on a free port.
Round after round it stores `--batches` more record batches (one produce each, as a
single order's messages are) on partition 0 of a `history` topic, then measures the
broker's CPU per fetch that returns one new record: on that partition, and on a `fresh`
topic that holds almost nothing. The long run (`python -m bench --long`) shows the broker's
CPU per order growing through the day; this shows why, and that it is per partition.

It also checks the two ways a Kafka broker drops history: retention (records older than a
topic's `retention.ms` of 1 s, looked for 3 s later) and DeleteRecords.
"""

import argparse
import asyncio
import tempfile
import time
from dataclasses import dataclass, field
from pathlib import Path

import psutil
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from aiokafka.admin import AIOKafkaAdminClient, NewTopic, RecordsToDelete
from stack.infra import kafka_spec
from stack.processes import Supervisor
from stack.testing import free_port

HOST = "127.0.0.1"
RETENTION_WAIT_S = 3.0


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.kafka_history", description=__doc__)
    p.add_argument("--rounds", type=int, default=4, help="rounds of stored batches")
    p.add_argument("--batches", type=int, default=3000, help="batches stored per round")
    p.add_argument("--fetches", type=int, default=300, help="fetches measured per topic")
    return p.parse_args(argv)


async def _store(producer: AIOKafkaProducer, topic: str, batches: int) -> None:
    for _ in range(batches):  # one awaited send is one batch: one object in tansu's store
        await producer.send_and_wait(topic, b"x", partition=0)


async def _cpu_per_fetch(
    broker: psutil.Process, producer: AIOKafkaProducer, bootstrap: str, topic: str, count: int
) -> float:
    """The broker's CPU (ms) per fetch of one new record (its produce included, and the
    empty fetches of a short wait: the same on both topics)."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, fetch_max_wait_ms=20)
    await consumer.start()
    partition = TopicPartition(topic, 0)
    consumer.assign([partition])
    await consumer.seek_to_end(partition)
    try:
        before = broker.cpu_times()
        for _ in range(count):
            await producer.send_and_wait(topic, b"v", partition=0)
            while not await consumer.getmany(partition, timeout_ms=1000):
                pass
        after = broker.cpu_times()
    finally:
        await consumer.stop()
    used = (after.user - before.user) + (after.system - before.system)
    return 1000 * used / count


async def _retention(admin: AIOKafkaAdminClient, producer: AIOKafkaProducer, bootstrap: str) -> str:
    await admin.create_topics([NewTopic("retained", 1, 1, topic_configs={"retention.ms": "1000"})])
    sent = 5
    for _ in range(sent):
        await producer.send_and_wait("retained", b"old", partition=0)
    await asyncio.sleep(RETENTION_WAIT_S)
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, auto_offset_reset="earliest")
    await consumer.start()
    try:
        consumer.assign([TopicPartition("retained", 0)])
        fetched = await consumer.getmany(timeout_ms=2000)
    finally:
        await consumer.stop()
    kept = sum(len(records) for records in fetched.values())
    return (
        f"{kept} of {sent} records older than retention.ms=1000 still fetched "
        f"{RETENTION_WAIT_S:.0f} s later"
    )


async def _delete_records(admin: AIOKafkaAdminClient, topic: str) -> str:
    try:
        answer = await asyncio.wait_for(
            admin.delete_records({TopicPartition(topic, 0): RecordsToDelete(1)}), 10
        )
    except Exception as error:  # the broker's answer, whatever it is, is the finding
        return f"failed: {error!r}"
    return f"answered: {answer}"


@dataclass
class History:
    rows: list[tuple[int, float, float]] = field(default_factory=list)
    """(batches held on the partition, broker CPU ms per fetch there, on a fresh topic)"""
    retention: str = ""
    """Whether records older than their topic's retention.ms were still fetched."""
    delete_records: str = ""
    """What the broker answered to DeleteRecords."""


async def measure(args: argparse.Namespace) -> History:
    history = History()
    with tempfile.TemporaryDirectory(prefix="kafka-history-") as folder:
        supervisor = Supervisor(Path(folder))
        spec = kafka_spec(HOST, free_port())
        child = supervisor.start(spec)
        try:
            await supervisor.wait_ready(spec.name, 30)
            broker = psutil.Process(child.process.pid)
            bootstrap = spec.address
            admin = AIOKafkaAdminClient(bootstrap_servers=bootstrap)
            await admin.start()
            await admin.create_topics([NewTopic("history", 1, 1), NewTopic("fresh", 1, 1)])
            producer = AIOKafkaProducer(bootstrap_servers=bootstrap, linger_ms=0)
            await producer.start()
            try:
                for round_ in range(args.rounds + 1):
                    if round_:
                        await _store(producer, "history", args.batches)
                    history.rows.append(
                        (
                            round_ * args.batches,
                            await _cpu_per_fetch(
                                broker, producer, bootstrap, "history", args.fetches
                            ),
                            await _cpu_per_fetch(
                                broker, producer, bootstrap, "fresh", args.fetches
                            ),
                        )
                    )
                    print(".", end="", flush=True)
                history.retention = await _retention(admin, producer, bootstrap)
                history.delete_records = await _delete_records(admin, "history")
            finally:
                await producer.stop()
                await admin.close()
        finally:
            supervisor.stop([spec.name], timeout=5)
    print()
    return history


def main(argv: list[str] | None = None) -> None:
    started = time.monotonic()
    history = asyncio.run(measure(parse(argv)))
    print("broker CPU ms per fetch of one new record")
    print(f"{'batches held':>13}  {'on that partition':>18}  {'on a fresh topic':>17}")
    for held, on_history, on_fresh in history.rows:
        print(f"{held:>13}  {on_history:>18.2f}  {on_fresh:>17.2f}")
    print(f"retention: {history.retention}")
    print(f"DeleteRecords: {history.delete_records}")
    print(f"done in {time.monotonic() - started:.0f} s")


if __name__ == "__main__":
    main()
