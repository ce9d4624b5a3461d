"""Prometheus metrics named `<service>_<what>_<unit>`, and the /metrics response."""

import asyncio
import logging
import re
from collections.abc import Awaitable, Callable, Sequence
from functools import cache

from fastapi import Response
from prometheus_client import CONTENT_TYPE_LATEST, REGISTRY, Counter, Histogram, generate_latest

from common.consumer_lag import ConsumerLag

log = logging.getLogger(__name__)

ScrapeHook = Callable[[], Awaitable[None]]
"""Sets gauges that are read from a store (PostgreSQL) just before a scrape answers."""
SCRAPE_HOOK_TIMEOUT_S = 2.0


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
        self.lag = ConsumerLag(p)
        REGISTRY.register(self.lag)


@cache
def consumer_metrics(service: str) -> ConsumerMetrics:
    """One set per service per process (the Prometheus registry refuses duplicates)."""
    return ConsumerMetrics(service)


async def metrics_response(hooks: Sequence[ScrapeHook] = ()) -> Response:
    """The registry's text, after the service's scrape hooks ran (a hook that fails or takes
    longer than SCRAPE_HOOK_TIMEOUT_S leaves its gauges as they were: a scrape never fails
    because PostgreSQL is slow)."""
    for hook in hooks:
        try:
            await asyncio.wait_for(hook(), SCRAPE_HOOK_TIMEOUT_S)
        except Exception as error:  # a scrape answers whatever a store does
            log.warning("metrics hook %s failed: %r", getattr(hook, "__name__", hook), error)
    return Response(generate_latest(), media_type=CONTENT_TYPE_LATEST)
