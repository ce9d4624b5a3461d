"""The adapter's metrics (Prometheus), named broker_adapter_<what>_<unit>."""

import re

import asyncpg
from common.enums import SessionState
from prometheus_client import Counter, Gauge, Histogram

from broker_adapter.sessions import store_sessions

_MOTILAL_CODE = re.compile(r"^[A-Z0-9]{2,8}$")


class ExecutionMetrics:
    def __init__(self) -> None:
        self.broker_call = Histogram(
            "broker_adapter_broker_call_seconds",
            "Latency of Motilal calls, by operation and outcome",
            ["operation", "outcome"],
            buckets=(0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.orders = Counter(
            "broker_adapter_orders_total",
            "Placement outcomes: placed, rejected, unknown, adopted (found by tag), replaced",
            ["outcome"],
        )
        self.throttle_wait = Histogram(
            "broker_adapter_throttle_wait_seconds",
            "Time an order write waited for its rate-limit buckets",
            ["segment"],
            buckets=(0.0005, 0.005, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30),
        )
        self.events = Counter(
            "broker_adapter_order_events_total", "Order events published", ["type"]
        )
        self.book_reads = Counter(
            "broker_adapter_book_reads_total",
            "Recovery reads of a client's order and trade books (the stream is the main path)",
        )
        self.account_reads = Counter(
            "broker_adapter_account_reads_total",
            "Reads of a client's positions and margins, by why: fills, demand or sweep",
            ["reason"],
        )
        self.broker_errors = Counter(
            "broker_adapter_broker_errors_total",
            "Motilal calls that failed, by operation and Motilal's error code "
            "(`none`: no code, e.g. unreachable; `other`: a code not shaped like Motilal's)",
            ["operation", "code"],
        )
        self.sessions = Gauge(
            "broker_adapter_sessions",
            "Active clients by broker session state (read from PostgreSQL when scraped; "
            "every replica reports the same figures)",
            ["state"],
        )
        for state in SessionState:
            self.sessions.labels(state.value)

    def broker_error(self, operation: str, code: str) -> None:
        code = code.strip().upper()
        self.broker_errors.labels(
            operation, code if _MOTILAL_CODE.match(code) else ("none" if not code else "other")
        ).inc()

    async def read_sessions(self, pool: asyncpg.Pool) -> None:
        counts = await store_sessions.sessions_by_state(pool)
        for state in SessionState:
            self.sessions.labels(state.value).set(counts.get(state.value, 0))


METRICS = ExecutionMetrics()
