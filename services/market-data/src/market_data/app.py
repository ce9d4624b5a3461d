"""Wiring of the market-data: settings, runtime, parts, consumers, background tasks, routes."""

import asyncio
from pathlib import Path

from common.service import ServiceRuntime
from common.topics import ORDER_EVENTS, PORTFOLIO_UPDATES
from motilal import MotilalClient, MotilalSettings
from motilal.config import require_startable
from motilal.scrip_master import ScripMaster

from market_data.api import build_router
from market_data.config import MarketDataSettings
from market_data.instruments.catalog import Catalog
from market_data.quotes.feed_account import feed_credentials
from market_data.quotes.handlers import ORDER_EVENTS_READ, PORTFOLIO_UPDATES_READ, InterestHandlers
from market_data.quotes.leadership import FeedLeadership
from market_data.quotes.service import QuoteService, feed_url

settings = MarketDataSettings()
motilal_settings = MotilalSettings()
require_startable("market-data", motilal_settings, dev_mode=settings.dev_mode)
runtime = ServiceRuntime(
    "market-data",
    settings,
    migrations=Path(__file__).parent / "migrations",
)

# ---- parts: made now, they reach the pool and Redis (opened at startup) through getters --

# One account serves the feed login, the REST fallback and scrip-master downloads.
motilal = MotilalClient(motilal_settings, feed_credentials(settings))
catalog = Catalog(lambda: runtime.pool, settings.tokens_csv, ScripMaster(motilal.http).rows)
quotes = QuoteService(
    settings,
    catalog,
    pool=lambda: runtime.pool,
    redis=lambda: runtime.redis,
    publisher=runtime.publisher,
    client=motilal,
    feed_url=feed_url(motilal_settings),
)
interest = InterestHandlers(lambda: runtime.pool, on_change=quotes.interest_changed)
leadership = FeedLeadership(
    settings.postgres_dsn, settings.feed_leader_retry_seconds, settings.feed_lock_name
)


@runtime.on_startup
async def _load_token_master() -> None:
    await catalog.load_file_at_startup()


@runtime.on_shutdown
async def _close_motilal() -> None:
    await motilal.aclose()


# ---- consumers -------------------------------------------------------------------------

runtime.consume(ORDER_EVENTS, interest.on_order_events, wants=ORDER_EVENTS_READ)
runtime.consume(PORTFOLIO_UPDATES, interest.on_portfolio_updates, wants=PORTFOLIO_UPDATES_READ)

# ---- background tasks ------------------------------------------------------------------


async def follow_loads() -> None:
    await catalog.follow_loads(settings.master_refresh_seconds)


async def feed() -> None:
    """The quote feed and its REST fallback, in the one process holding the feed lock."""

    async def quoting() -> None:
        await asyncio.gather(quotes.run_feed(), quotes.fallback_loop())

    await leadership.lead(quoting)


async def ready_note() -> None:
    """Keep /ready's note current: degraded (polling REST) is reported, yet still ready."""
    while True:
        runtime.status_note = (
            quotes.ready_note()
            if leadership.leading
            else "standby: another market-data process runs the quote feed"
        )
        await asyncio.sleep(0.5)


for loop in (
    follow_loads,
    feed,
    quotes.flush_loop,
    quotes.subscription_loop,
    quotes.purge_loop,
    ready_note,
):
    runtime.background(loop)

# ---- routes ----------------------------------------------------------------------------


async def _master_check() -> str | None:
    return None if len(catalog.master) else "the token master is empty"


runtime.add_check("token_master", _master_check)
app = runtime.create_app([build_router(catalog, lambda: runtime.redis, quotes.status)])
