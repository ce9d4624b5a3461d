"""The adapter's execution metrics (Prometheus), named broker_adapter_<what>_<unit>."""

from prometheus_client import Counter, Histogram


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


METRICS = ExecutionMetrics()
