"""Prometheus metrics named `<service>_<what>_<unit>`, and the /metrics response."""

import re
from functools import cache

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, Counter, Histogram, generate_latest


def metric_prefix(service: str) -> str:
    """`order-router` becomes `order_router`, as Prometheus names allow no dashes."""
    return re.sub(r"[^a-zA-Z0-9_]", "_", service)


class ConsumerMetrics:
    """What every Kafka consumer reports, whatever the service."""

    def __init__(self, service: str) -> None:
        p = metric_prefix(service)
        self.consumed = Counter(
            f"{p}_messages_consumed_total", "Messages handled and committed", ["topic"]
        )
        self.failed = Counter(
            f"{p}_handler_failures_total", "Handler attempts that raised", ["topic", "transient"]
        )
        self.dead_lettered = Counter(
            f"{p}_messages_dead_lettered_total", "Messages sent to the dead-letter topic", ["topic"]
        )
        self.batch_seconds = Histogram(
            f"{p}_batch_handling_seconds",
            "Time to handle one fetched batch, commit included",
            ["topic"],
            buckets=(0.001, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10),
        )


@cache
def consumer_metrics(service: str) -> ConsumerMetrics:
    """One set per service per process (the Prometheus registry refuses duplicates)."""
    return ConsumerMetrics(service)


def metrics_response() -> Response:
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
