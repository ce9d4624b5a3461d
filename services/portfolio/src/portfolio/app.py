"""Wiring of the portfolio: settings, runtime, parts, consumers, background tasks, routes."""

from collections.abc import Collection, Sequence
from pathlib import Path

from aiokafka import TopicPartition
from common import assignment
from common.contracts.envelope import Message
from common.service import ServiceRuntime
from common.topics import BROKER_POSITIONS, MARGINS, ORDER_EVENTS, QUOTES

from portfolio.api import build_router
from portfolio.config import PortfolioSettings
from portfolio.handlers import PortfolioHandlers
from portfolio.live import LiveBook
from portfolio.reports import wiring as reports_wiring
from portfolio.updates import UpdatePublisher

settings = PortfolioSettings()
runtime = ServiceRuntime("portfolio", settings, migrations=Path(__file__).parent / "migrations")

# ---- parts: built at startup, once the pool, Redis and Kafka are open -------------------


class Parts:
    """The portfolio's components, built once the pool, Redis and Kafka are open."""

    handlers: PortfolioHandlers

    def __init__(self) -> None:
        self.book = LiveBook()
        """Open positions and last prices in memory: the fill handler keeps it, the API
        reads marks (made now: the routes are built with it before startup)."""


parts = Parts()


@runtime.on_startup
async def _build() -> None:
    updates = UpdatePublisher(
        parts.book, runtime.publisher, settings.pnl_publish_interval_ms / 1000
    )
    parts.handlers = PortfolioHandlers(
        runtime.pool, runtime.redis, runtime.publisher, updates, settings.drift_confirmations,
        lambda: assignment.assigned(assignment.member(runtime.broker, ORDER_EVENTS), ORDER_EVENTS),
        settings.assignment_poll_seconds,
    )  # fmt: skip
    # the book's clients are loaded once the group assigns their partitions (handover.py)
    await parts.handlers.seed_prices()
    await parts.handlers.refresh_drift_gauge()


async def _book_followed() -> str | None:
    """Ready once the book holds the clients of its partitions and every quote from now on
    reaches this process (a restarted replica must not miss the next tick)."""
    if (problem := await parts.handlers.owner.readiness()) is not None:
        return problem
    if not await assignment.reading(assignment.member(runtime.broker, QUOTES)):
        return "quotes are not read yet (joining)"
    return None


runtime.add_check("live_book", _book_followed)


# ---- consumers -------------------------------------------------------------------------


async def on_order_events(messages: Sequence[Message]) -> None:
    await parts.handlers.on_order_events(messages)


async def on_quotes(messages: Sequence[Message]) -> None:
    await parts.handlers.on_quotes(messages)


async def on_margins(messages: Sequence[Message]) -> None:
    await parts.handlers.on_margins(messages)


async def on_broker_positions(messages: Sequence[Message]) -> None:
    await parts.handlers.on_broker_positions(messages)


async def on_order_events_revoked(partitions: Collection[TopicPartition]) -> None:
    await parts.handlers.owner.revoke(
        [tp.partition for tp in partitions if tp.topic == ORDER_EVENTS.name]
    )


runtime.consume(ORDER_EVENTS, on_order_events, on_revoked=on_order_events_revoked)
# every replica reads every quote (a group of its own, from the latest offset): it marks
# its own clients, and the read API's marks are current whichever replica answers
runtime.follow(QUOTES, on_quotes)
runtime.consume(MARGINS, on_margins)
runtime.consume(BROKER_POSITIONS, on_broker_positions)

# ---- background tasks ------------------------------------------------------------------


async def publish_marked() -> None:
    await parts.handlers.updates.run()


async def follow_assignment() -> None:
    await parts.handlers.owner.run()


runtime.background(publish_marked)
runtime.background(follow_assignment)

# ---- routes ----------------------------------------------------------------------------

day_reports = reports_wiring.day_reports(settings, lambda: runtime.pool, parts.book)
runtime.background(day_reports.run)  # each trading day's record, once, after its close

app = runtime.create_app(
    [
        build_router(
            lambda: runtime.pool, parts.book, settings.list_limit, settings.drift_confirmations
        ),
        reports_wiring.router(day_reports),
    ],
    description="Positions, P&L, margins and reconciliation, from fills only.",
)
