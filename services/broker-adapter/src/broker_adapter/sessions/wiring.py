"""Wires broker sessions into the adapter's runtime (app.py calls `install_sessions` once).

- the SessionManager (manager.py) that execution asks for sessions;
- the registry consumer (accounts.clients.v1 -> `accounts`), registry.py; with egress
  pools (egress.py) each pool reads the registry in its own group and keeps its clients;
- the daily re-login before market open, session_schedule.py;
- the internal HTTP the gateway calls for an admin's login retry or an OTP.
"""

import logging

from common.contracts.accounts import SessionChanged
from common.service import ServiceRuntime
from common.topics import CLIENTS, SESSIONS
from fastapi import APIRouter

from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.metrics import METRICS
from broker_adapter.sessions import routes as session_routes
from broker_adapter.sessions.credentials import private_key_from
from broker_adapter.sessions.manager import SessionManager
from broker_adapter.sessions.registry import Registry
from broker_adapter.sessions.schedule import RUN_KEY, DailyRelogin
from broker_adapter.sessions.source import SessionSource

log = logging.getLogger(__name__)
REGISTRY_GROUP = "broker-adapter-registry"


class InstalledSessions:
    def __init__(self, manager: SessionManager, router: APIRouter) -> None:
        self.manager = manager
        self.router = router


def install_sessions(
    runtime: ServiceRuntime, settings: BrokerAdapterSettings, fallback: SessionSource | None = None
) -> InstalledSessions:
    """`fallback` serves clients the registry does not know (dev mode's demo accounts)."""
    key = private_key_from(settings.credentials_private_key)
    if key is None:
        message = (
            "BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY is not set: client credentials cannot be "
            "opened, so no client can log in"
        )
        if not settings.dev_mode:
            raise SystemExit(f"broker-adapter cannot start: {message}")
        log.warning("DEV MODE: %s", message)

    async def publish(event: SessionChanged) -> None:
        await runtime.publisher.publish(SESSIONS, event)

    manager = SessionManager(
        runtime,
        publish,
        private_key=key,
        login_lock_seconds=settings.session_login_lock_seconds,
        otp_wait_seconds=settings.session_otp_wait_seconds,
        fallback=fallback if settings.dev_mode else None,
        egress=settings.egress,
    )
    registry = Registry(
        runtime,
        manager,
        login_on_register=settings.session_login_on_register,
        login_concurrency=settings.session_login_concurrency,
    )
    runtime.consume(CLIENTS, registry.handle, group=settings.egress.scoped(REGISTRY_GROUP))
    if settings.session_daily_relogin:
        daily = DailyRelogin(
            manager,
            settings.session_relogin_time,
            settings.session_login_concurrency,
            run_key=settings.egress.scoped(RUN_KEY),
        )

        async def daily_relogin() -> None:
            await daily.run(runtime.pool, runtime.redis)

        runtime.background(daily_relogin)

    async def stop() -> None:
        await registry.stop()
        await manager.aclose()

    runtime.on_shutdown(stop)

    async def sessions_by_state() -> None:
        await METRICS.read_sessions(runtime.pool)

    runtime.on_scrape(sessions_by_state)
    return InstalledSessions(manager, session_routes.router(manager, lambda: runtime.pool))
