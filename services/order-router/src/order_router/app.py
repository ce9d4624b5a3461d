"""Wiring of the order-router: settings, runtime, parts, consumers, background tasks, routes."""

from pathlib import Path

import asyncpg
import httpx
from common.enums import Exchange, TradeType
from common.http import service_client
from common.service import ServiceRuntime
from common.topics import CLIENTS, MARGINS, ORDER_EVENTS, ORDER_REQUESTS, SESSIONS

from order_router import api, dry_run, metrics, risk_api
from order_router.accounts import AccountBook, AccountCopies
from order_router.config import OrderRouterSettings
from order_router.events import EventApplier
from order_router.expiry import Expiry
from order_router.handlers import RouterHandlers
from order_router.intake import Intake
from order_router.lookups import InstrumentCache, PositionLookup
from order_router.market_hours import MarketHours
from order_router.risk import RiskConfig
from order_router.risk_wiring import RiskAutomation

settings = OrderRouterSettings()
runtime = ServiceRuntime("order-router", settings, migrations=Path(__file__).parent / "migrations")

# ---- parts: built at startup, once the pool, Redis and Kafka are open -------------------


class Parts:
    """The router's components, built once the pool, Redis and Kafka are open."""

    intake: Intake
    events: EventApplier
    accounts: AccountCopies
    expiry: Expiry
    clients: list[httpx.AsyncClient]


parts = Parts()
risk_automation = RiskAutomation(settings)  # MTM limits, timed square-off, alerts


async def _listener_connection() -> asyncpg.Connection:
    """A connection of its own for LISTEN (a pooled one would be reset on release)."""
    connection: asyncpg.Connection = await asyncpg.connect(settings.postgres_dsn)
    return connection


@runtime.on_startup
async def _build() -> None:
    market_data = service_client(settings.market_data_url, settings.internal_api_token)
    portfolio = service_client(settings.portfolio_url, settings.internal_api_token)
    parts.clients = [market_data, portfolio]
    calendar = settings.trading_calendar()
    risk = RiskConfig(
        price_band_percent=settings.price_band_percent,
        margin_rates={
            TradeType.INTRADAY: settings.margin_rate_intraday,
            TradeType.DELIVERY: settings.margin_rate_delivery,
            TradeType.MTF: settings.margin_rate_mtf,
        },
        market_hours=MarketHours(calendar) if settings.market_hours_enforced else None,
    )
    # before any consumer starts: listen for other replicas, then load the copies once
    parts.accounts = AccountCopies(runtime.pool, AccountBook(), _listener_connection)
    await parts.accounts.start()
    parts.intake = Intake(
        runtime.pool,
        runtime.redis,
        runtime.publisher,
        InstrumentCache(market_data, settings.instrument_cache_seconds, settings.lookup_attempts),
        PositionLookup(portfolio, settings.lookup_attempts),
        risk,
        parts.accounts,
    )
    await risk_automation.start(runtime, parts.accounts.book, portfolio)
    parts.intake.guard = risk_automation
    parts.events = EventApplier(runtime.pool, runtime.publisher, parts.accounts.book.kill_switch)
    parts.expiry = Expiry(
        runtime.pool,
        runtime.publisher,
        settings.expire_at_ist,
        settings.expiry_check_seconds,
        # only an NSE trading day ends: an AMO made after Friday's close waits for Monday
        lambda day: calendar.session(Exchange.NSE, day) is not None,
    )


@runtime.on_shutdown
async def _close() -> None:
    for client in parts.clients:
        await client.aclose()
    await parts.accounts.close()


# ---- consumers -------------------------------------------------------------------------

handlers = RouterHandlers(parts)

# One group member handles a fetched batch topic by topic in this order: account facts
# first, so a request sees the clients and margins that arrived with it.
runtime.consume(CLIENTS, handlers.on_clients)
runtime.consume(SESSIONS, handlers.on_sessions)
runtime.consume(MARGINS, handlers.on_margins)
runtime.consume(ORDER_REQUESTS, handlers.on_requests)
runtime.consume(ORDER_EVENTS, handlers.on_events)
risk_automation.install(runtime)  # P&L watch, alert sources, square-off loop

# ---- background tasks ------------------------------------------------------------------


async def expire_at_end_of_day() -> None:
    await parts.expiry.run()


async def keep_account_copies_in_step() -> None:
    await parts.accounts.keep_listening()


runtime.background(expire_at_end_of_day)
runtime.on_scrape(lambda: metrics.read_working_orders(runtime.pool))
runtime.background(keep_account_copies_in_step)

# ---- routes ----------------------------------------------------------------------------

app = runtime.create_app([api.router, dry_run.router, risk_api.router])
app.state.risk = risk_automation
app.state.parts = parts  # the dry run uses the intake's decision path
