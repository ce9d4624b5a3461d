"""Wiring of the broker-adapter: settings, runtime, consumers, routes."""

from pathlib import Path

from common.service import ServiceRuntime
from motilal.config import MotilalSettings, require_startable

from broker_adapter.accounts.snapshots import install_account_snapshots
from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.execution.wiring import default_sessions, install
from broker_adapter.sessions.wiring import install_sessions

settings = BrokerAdapterSettings()
require_startable("broker-adapter", MotilalSettings(), dev_mode=settings.dev_mode)
runtime = ServiceRuntime(
    "broker-adapter",
    settings,
    migrations=Path(__file__).parent / "migrations",
)
sessions = install_sessions(runtime, settings, fallback=default_sessions(settings))
accounts = install_account_snapshots(runtime, settings, sessions.manager)
execution = install(runtime, settings, sessions.manager, on_fills=accounts.poke)


async def burst_placed() -> None:
    if execution.workers is not None:
        await execution.workers.idle.wait()


accounts.burst_placed = burst_placed
app = runtime.create_app([accounts.router(), sessions.router])
