"""A read-only Kafka tap on the order path: every order's instants, from the messages.

It reads orders.requests.v1, orders.commands.v1, orders.events.v1 and portfolio.updates.v1
from their ends (no consumer group, so it never disturbs the services' offsets) and keeps,
per order id, the `occurred_at` of each step as epoch seconds:

    requested   the gateway published the batch/order request       (gateway hop ends)
    commanded   the order-router published the place command         (router hop ends)
    accepted    the adapter published the broker's acknowledgement
    terminal    the order reached FILLED / REJECTED / DENIED / CANCELED / EXPIRED
and, per (batch id, client id), when the portfolio published the position change a fill
caused. Messages are read as plain JSON (not the pydantic contracts) to keep the tap cheap.
"""

import asyncio
import contextlib
import json
import logging
from collections import Counter
from collections.abc import AsyncIterator
from dataclasses import dataclass
from datetime import datetime
from typing import Any

from aiokafka import AIOKafkaConsumer, TopicPartition
from common.topics import ORDER_COMMANDS, ORDER_EVENTS, ORDER_REQUESTS, PORTFOLIO_UPDATES, Topic

log = logging.getLogger(__name__)

TERMINAL_EVENTS = {
    "order.filled": "FILLED",
    "order.rejected": "REJECTED",
    "order.denied": "DENIED",
    "order.canceled": "CANCELED",
    "order.expired": "EXPIRED",
}


@dataclass
class OrderTimes:
    order_id: str
    client_id: str = ""
    batch_id: str = ""
    requested: float | None = None
    commanded: float | None = None
    submitted: float | None = None
    accepted: float | None = None
    terminal: float | None = None
    status: str = ""
    reason: str = ""
    commands: int = 0


def _instant(raw: str) -> float:
    return datetime.fromisoformat(raw).timestamp()


class Tap:
    TOPICS: tuple[Topic, ...] = (ORDER_REQUESTS, ORDER_COMMANDS, ORDER_EVENTS, PORTFOLIO_UPDATES)

    def __init__(self, bootstrap: str) -> None:
        self.bootstrap = bootstrap
        self.orders: dict[str, OrderTimes] = {}
        self.positions: dict[tuple[str, str], float] = {}
        """(correlation id = batch id, client id) -> last PositionChanged occurred_at."""
        self.event_counts: Counter[str] = Counter()
        self._consumer: AIOKafkaConsumer | None = None
        self._task: asyncio.Task[None] | None = None

    async def start(self) -> None:
        consumer = AIOKafkaConsumer(
            bootstrap_servers=self.bootstrap,
            group_id=None,
            enable_auto_commit=False,
            fetch_max_wait_ms=20,
            max_partition_fetch_bytes=4 * 1024 * 1024,
        )
        await consumer.start()
        partitions = [TopicPartition(t.name, p) for t in self.TOPICS for p in range(t.partitions)]
        consumer.assign(partitions)
        await consumer.seek_to_end(*partitions)
        for partition in partitions:  # resolve the end offsets now, not at the first fetch
            await consumer.position(partition)
        self._consumer = consumer
        self._task = asyncio.create_task(self._run())

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        if self._consumer is not None:
            await self._consumer.stop()

    @contextlib.asynccontextmanager
    async def paused(self) -> AsyncIterator[None]:
        """No fetches while inside (the platform's idle CPU is measured without the tap's
        polling of the broker); nothing is missed, reading resumes where it stopped."""
        assert self._consumer is not None
        partitions = self._consumer.assignment()
        self._consumer.pause(*partitions)
        try:
            yield
        finally:
            self._consumer.resume(*partitions)

    def order(self, order_id: str) -> OrderTimes:
        times = self.orders.get(order_id)
        if times is None:
            times = self.orders[order_id] = OrderTimes(order_id)
        return times

    async def _run(self) -> None:
        assert self._consumer is not None
        while True:
            batches = await self._consumer.getmany(timeout_ms=200, max_records=5000)
            for records in batches.values():
                for record in records:
                    try:
                        self._apply(record.topic, json.loads(record.value))
                    except (ValueError, KeyError, TypeError) as error:
                        log.debug("tap skipped a record of %s: %r", record.topic, error)

    def _apply(self, topic: str, msg: dict[str, Any]) -> None:
        kind = msg.get("type", "")
        self.event_counts[kind] += 1
        at = _instant(msg["occurred_at"])
        if topic == ORDER_REQUESTS.name:
            batch_id = msg.get("batch_id", "")
            entries = msg.get("orders") or ([msg["order"]] if "order" in msg else [])
            for entry in entries:
                times = self.order(entry["order_id"])
                times.client_id, times.batch_id = entry["client_id"], batch_id
                times.requested = times.requested or at
        elif topic == ORDER_COMMANDS.name:
            if kind == "command.place":
                times = self.order(msg["order_id"])
                times.commands += 1
                times.commanded = times.commanded or at
        elif topic == ORDER_EVENTS.name:
            times = self.order(msg["order_id"])
            times.client_id = times.client_id or msg.get("client_id", "")
            if kind == "order.submitted":
                times.submitted = times.submitted or at
                times.batch_id = times.batch_id or msg.get("batch_id", "")
            elif kind == "order.accepted":
                times.accepted = times.accepted or at
            if kind in TERMINAL_EVENTS and times.terminal is None:
                times.terminal, times.status = at, TERMINAL_EVENTS[kind]
                times.reason = str(msg.get("reason") or msg.get("error_code") or "")
        elif topic == PORTFOLIO_UPDATES.name and kind == "position.changed":
            key = (msg["correlation_id"], msg["client_id"])
            self.positions[key] = max(self.positions.get(key, 0.0), at)
