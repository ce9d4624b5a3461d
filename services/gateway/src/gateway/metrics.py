"""Prometheus metrics of the gateway (`gateway_<what>_<unit>`): order requests and the
latency of the gateway's hops.

- `gateway_order_publish_seconds`: an order POST, from the gateway starting to handle it
  (authenticated, body parsed) to Kafka acknowledging its orders.requests.v1 messages;
- `gateway_order_accept_seconds`: from the same start to the order's ACCEPTED update (the
  broker's ack, via the order-router) reaching this gateway replica. Only orders placed
  through this replica are timed; the start times of the last MAX_BATCHES batches are kept.
"""

import time
from collections import OrderedDict
from collections.abc import Iterable

from common.contracts.envelope import Message
from prometheus_client import Counter, Histogram

MAX_BATCHES = 10_000

REQUESTS_PUBLISHED = Counter(
    "gateway_order_requests_total",
    "Order request messages published to orders.requests.v1, by type",
    ["type"],
)
PUBLISH_SECONDS = Histogram(
    "gateway_order_publish_seconds",
    "Order POST handling start to its request messages acknowledged by Kafka",
    buckets=(0.001, 0.0025, 0.005, 0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5),
)
ACCEPT_SECONDS = Histogram(
    "gateway_order_accept_seconds",
    "Order POST handling start to the order's ACCEPTED update reaching this gateway",
    buckets=(0.01, 0.025, 0.05, 0.1, 0.25, 0.5, 1, 2.5, 5, 10, 30, 60),
)

_started: OrderedDict[str, float] = OrderedDict()


def published(messages: Iterable[Message], started: float) -> None:
    """`started` is the POST's perf_counter() when its handling began."""
    PUBLISH_SECONDS.observe(time.perf_counter() - started)
    for message in messages:
        REQUESTS_PUBLISHED.labels(message.type).inc()
        batch_id = getattr(message, "batch_id", None)
        if isinstance(batch_id, str):
            _started[batch_id] = started
            _started.move_to_end(batch_id)
    while len(_started) > MAX_BATCHES:
        _started.popitem(last=False)


def accepted(batch_id: str) -> None:
    """An order of `batch_id` was accepted by the broker."""
    started = _started.get(batch_id)
    if started is not None:
        ACCEPT_SECONDS.observe(time.perf_counter() - started)
