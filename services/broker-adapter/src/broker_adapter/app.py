"""Wiring of the broker-adapter: settings, runtime, parts, consumers, background tasks, routes.

Each wing wires its own parts, consumers and background tasks into the runtime
(sessions/wiring.py, execution/wiring.py, accounts/snapshots.py); this module puts them
together and serves their routes.
"""

from pathlib import Path

from common.service import ServiceRuntime
from motilal.config import MotilalSettings, require_startable

from broker_adapter.accounts.snapshots import install_account_snapshots
from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.execution.wiring import default_sessions, install
from broker_adapter.sessions.wiring import install_sessions
from broker_adapter.tracking.takeover import Takeover

settings = BrokerAdapterSettings()
require_startable("broker-adapter", MotilalSettings(), dev_mode=settings.dev_mode)
runtime = ServiceRuntime(
    "broker-adapter",
    settings,
    migrations=Path(__file__).parent / "migrations",
)
# ---- parts, with their consumers and background tasks ------------------------------------

sessions = install_sessions(runtime, settings, fallback=default_sessions(settings))
accounts = install_account_snapshots(runtime, settings, sessions.manager)
execution = install(runtime, settings, sessions.manager, on_fills=accounts.poke)


async def burst_placed() -> None:
    if execution.workers is not None:
        await execution.workers.idle.wait()


accounts.burst_placed = burst_placed


async def follow_gone_replicas() -> None:
    """After execution is built (an earlier startup hook): a gone replica's open orders
    pass to a live one with the lease renewals (tracking/takeover.py)."""
    workers, tracker = execution.workers, execution.tracker
    assert workers is not None and tracker is not None
    lease = settings.command_lease_seconds
    workers.renewed = Takeover(runtime.pool, workers.owner, lease, tracker).beat


runtime.on_startup(follow_gone_replicas)

# ---- routes ----------------------------------------------------------------------------

app = runtime.create_app([accounts.router(), sessions.router])
