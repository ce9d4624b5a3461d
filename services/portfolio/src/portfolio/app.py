"""Wiring of the portfolio: settings, runtime, consumers, routes."""

from collections.abc import Sequence
from pathlib import Path

from common.contracts.envelope import Message
from common.service import ServiceRuntime
from common.topics import BROKER_POSITIONS, MARGINS, ORDER_EVENTS, QUOTES

from portfolio.api import build_router
from portfolio.config import PortfolioSettings
from portfolio.handlers import PortfolioHandlers
from portfolio.live import LiveBook
from portfolio.updates import UpdatePublisher

settings = PortfolioSettings()
runtime = ServiceRuntime("portfolio", settings, migrations=Path(__file__).parent / "migrations")
_handlers: PortfolioHandlers | None = None
book = LiveBook()
"""Open positions and last prices in memory: the fill handler keeps it, the API reads marks."""


def handlers() -> PortfolioHandlers:
    if _handlers is None:
        raise RuntimeError("the portfolio is not started yet")
    return _handlers


@runtime.on_startup
async def _start() -> None:
    global _handlers
    updates = UpdatePublisher(book, runtime.publisher, settings.pnl_publish_interval_ms / 1000)
    _handlers = PortfolioHandlers(
        runtime.pool, runtime.redis, runtime.publisher, updates, settings.drift_confirmations
    )
    # before the consumers start: every fill from here on is applied to a loaded book
    await _handlers.load()
    await _handlers.refresh_drift_gauge()


async def _on_order_events(messages: Sequence[Message]) -> None:
    await handlers().on_order_events(messages)


async def _on_quotes(messages: Sequence[Message]) -> None:
    await handlers().on_quotes(messages)


async def _on_margins(messages: Sequence[Message]) -> None:
    await handlers().on_margins(messages)


async def _on_broker_positions(messages: Sequence[Message]) -> None:
    await handlers().on_broker_positions(messages)


async def _publish_marked() -> None:
    await handlers().updates.run()


runtime.consume(ORDER_EVENTS, _on_order_events)
# quotes are market state, not history: a restarted portfolio needs only the newest ones
runtime.consume(QUOTES, _on_quotes, from_beginning=False)
runtime.consume(MARGINS, _on_margins)
runtime.consume(BROKER_POSITIONS, _on_broker_positions)
runtime.background(_publish_marked)

app = runtime.create_app(
    [build_router(lambda: runtime.pool, book, settings.list_limit, settings.drift_confirmations)],
    description="Positions, P&L, margins and reconciliation, from fills only.",
)
