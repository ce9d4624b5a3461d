"""Wiring of the gateway: settings, runtime, parts, consumers, background tasks, routes.

The live feeds and the clients wing wire their own consumers into the runtime
(order_feed.py, portfolio_feed.py, quote_feed.py, alerts_feed.py, clients/wiring.py); the
peers it calls are made on first use and closed with it (peers.py); this module puts them
together and serves the public API.
"""

from pathlib import Path

from common.service import ServiceRuntime
from fastapi.exceptions import RequestValidationError

from gateway import (
    alerts_feed,
    errors,
    idempotency,
    order_feed,
    pages,
    portfolio_feed,
    quote_feed,
    ws,
)
from gateway.auth import bootstrap as auth_bootstrap
from gateway.browser_security import BrowserSecurity
from gateway.clients import routes as clients
from gateway.clients import routes_portfolio as clients_portfolio
from gateway.clients import wiring as accounts_wiring
from gateway.config import GatewaySettings
from gateway.live import hub
from gateway.peers import PeerUnavailable, peer_unavailable
from gateway.routes import (
    admin,
    asyncapi,
    auth,
    baskets,
    groups,
    holders,
    limits,
    orders,
    preview,
    reconcile,
    reports,
    tokens,
    trades,
    users,
)

settings = GatewaySettings()
runtime = ServiceRuntime(
    "gateway",
    settings,
    migrations=Path(__file__).parent / "migrations",
)

# ---- parts: built at startup, once the pool, Redis and Kafka are open -------------------


@runtime.on_startup
async def _first_admin() -> None:
    await auth_bootstrap.start(runtime.pool, settings)


# ---- consumers -------------------------------------------------------------------------

order_feed.install(runtime, hub)  # live order/batch channels on /ws
portfolio_feed.install(runtime, hub)  # live portfolio:{client_id} channels on /ws
quote_feed.install(runtime, hub)  # live quotes:{token} channels on /ws, watch leases
accounts_wiring.wire(runtime)  # session view consumer, registry republish, demo clients
alerts_feed.install(runtime, hub)  # live alerts:{all|client_id} channels, the webhook

# ---- background tasks ------------------------------------------------------------------


async def purge_idempotency_keys() -> None:
    """Forget Idempotency-Keys older than idempotency.KEEP_HOURS, hourly."""
    await idempotency.purge_forever(runtime.pool)


runtime.background(purge_idempotency_keys)

# ---- routes ----------------------------------------------------------------------------

app = runtime.create_app(
    [
        auth.router,
        users.router,
        clients.router,
        orders.router,
        groups.router,
        preview.router,
        baskets.router,
        admin.router,
        trades.router,
        tokens.router,
        ws.router,
        pages.router,  # the dashboard's page URLs and static files
        clients_portfolio.router,
        holders.router,
        reconcile.router,
        limits.router,  # MTM limits, blocks, square-off (order-router)
        reports.router,  # day reports (JSON and CSV)
        asyncapi.router,  # the Kafka contract for other systems (AsyncAPI)
    ],
    description="Multi-client trading platform for Motilal Oswal desks: public REST API.",
    version="1.0.0",
    internal=False,  # the public API: users sign in (the peers it calls are internal)
)
app.add_exception_handler(RequestValidationError, errors.validation_error)  # no secret echoed
app.add_exception_handler(PeerUnavailable, peer_unavailable)  # logged: a 503 names its cause
app.add_middleware(BrowserSecurity, settings=settings)  # CSP and friends; docs/metrics gates
