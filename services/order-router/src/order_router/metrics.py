"""Prometheus metrics of the order-router (`order_router_<what>_<unit>`).

Working orders are read from PostgreSQL when Prometheus scrapes (one grouped query on the
partial index of open orders), so every replica reports the same figures and nothing runs
between scrapes.
"""

from collections.abc import Sequence

import asyncpg
from common.contracts.envelope import Message
from common.contracts.order_events import OrderDenied
from prometheus_client import Counter, Gauge

from order_router import store_orders

COMMANDS_SENT = Counter(
    "order_router_commands_sent_total",
    "Commands sent to the broker-adapter (place, modify, cancel)",
    ["type"],
)
ORDERS_DENIED = Counter(
    "order_router_orders_denied_total", "Orders denied by a risk or market rule", ["rule"]
)
WORKING_ORDERS = Gauge(
    "order_router_working_orders",
    "Orders that may still trade, by status and order type (read when scraped)",
    ["status", "order_type"],
)
OLDEST_WORKING_AGE = Gauge(
    "order_router_oldest_working_order_age_seconds",
    "Seconds since the oldest working order of this status and type last changed "
    "(0 when there is none; read when scraped)",
    ["status", "order_type"],
)


def sent(commands: Sequence[Message], events: Sequence[Message] = ()) -> None:
    for command in commands:
        COMMANDS_SENT.labels(command.type.removeprefix("command.")).inc()
    for event in events:
        if isinstance(event, OrderDenied):
            ORDERS_DENIED.labels(event.rule).inc()


_reported: set[tuple[str, str]] = set()


async def read_working_orders(pool: asyncpg.Pool) -> None:
    rows = await store_orders.working_order_ages(pool)
    seen = {(r["status"], r["order_type"]) for r in rows}
    for labels in _reported - seen:  # groups that emptied since the last scrape
        WORKING_ORDERS.labels(*labels).set(0)
        OLDEST_WORKING_AGE.labels(*labels).set(0)
    _reported.update(seen)
    for row in rows:
        WORKING_ORDERS.labels(row["status"], row["order_type"]).set(row["orders"])
        OLDEST_WORKING_AGE.labels(row["status"], row["order_type"]).set(row["oldest_seconds"])
