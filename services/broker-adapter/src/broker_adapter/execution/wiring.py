"""Assembles execution and tracking on top of a running ServiceRuntime."""

import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import Any

from common.contracts.envelope import Message
from common.locks import ClientLocks
from common.service import ServiceRuntime
from common.topics import ORDER_COMMANDS
from motilal.client import MotilalClient

from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.execution.changes import Changes
from broker_adapter.execution.emitter import Emitter
from broker_adapter.execution.executor import Executor
from broker_adapter.execution.journal import Journal
from broker_adapter.execution.prices import LastPrices
from broker_adapter.execution.throttle import Throttle
from broker_adapter.execution.workers import CommandWorkers
from broker_adapter.sessions.dev import DevSessions
from broker_adapter.sessions.pools import ClientPools
from broker_adapter.sessions.session import SessionUnavailable
from broker_adapter.sessions.source import SessionSource
from broker_adapter.tracking.fills import FillOutbox
from broker_adapter.tracking.tracker import Tracker

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Execution:
    """Built once the runtime's pool and Redis are open (`start`), used by the consumer."""

    settings: BrokerAdapterSettings
    sessions: SessionSource
    on_fills: Callable[[str], None]
    workers: CommandWorkers | None = field(init=False, default=None)
    tracker: Tracker | None = field(init=False, default=None)
    pools: ClientPools | None = field(init=False, default=None)

    def build(self, runtime: ServiceRuntime) -> None:
        s = self.settings
        locks = ClientLocks()
        self.pools = ClientPools(s.egress, runtime.pool)
        emitter = Emitter(runtime.publisher)
        journal = Journal(runtime.pool, emitter)
        throttle = Throttle(s.client_orders_per_second, s.global_orders_per_second)
        prices = LastPrices(runtime.redis, s.quote_max_age_seconds)
        executor = Executor(
            s, runtime.pool, prices, self.sessions, throttle, emitter, journal, locks
        )
        fills = FillOutbox(runtime.pool, emitter)
        self.tracker = Tracker(s, runtime.pool, executor, journal, fills, locks, self.on_fills)
        self.tracker.pools = self.pools
        self.sessions.on_ready = self.tracker.session_ready
        changes = Changes(s, runtime.pool, prices, executor, emitter, locks)
        self.workers = CommandWorkers(s, runtime.pool, executor, changes)

    async def handle_commands(self, messages: Sequence[Message]) -> None:
        assert self.workers is not None and self.pools is not None, "execution not built"
        await self.workers.handle_batch(await self.pools.answered(messages))

    async def run(self) -> None:
        """Background task: resume unfinished commands, then follow open orders forever."""
        assert self.workers is not None and self.tracker is not None
        await self.workers.resume()
        await self.tracker.run()

    async def keep_leases(self) -> None:
        """Background task: the inbox leases replicas share (workers.py)."""
        assert self.workers is not None
        await self.workers.keep_leases()

    async def stop(self) -> None:
        if self.workers is not None:
            await self.workers.stop()
        if self.tracker is not None:
            await self.tracker.stop()


class NoSessions:
    """Until a SessionManager is wired: every client is 'not ready' (commands park)."""

    on_ready: Callable[[str, MotilalClient], None] | None = None

    async def session_for(self, client_id: str) -> Any:
        raise SessionUnavailable(client_id, "no session manager is configured")

    async def relogin(self, client_id: str) -> Any:
        return await self.session_for(client_id)


def default_sessions(settings: BrokerAdapterSettings) -> SessionSource:
    """Demo accounts in the embedded dev mode; otherwise nothing (pass a SessionManager)."""
    if settings.dev_mode:
        return DevSessions(settings.dev_accounts_file)
    return NoSessions()


def install(
    runtime: ServiceRuntime,
    settings: BrokerAdapterSettings,
    sessions: SessionSource,
    on_fills: Callable[[str], None],
) -> Execution:
    """Wires execution into the runtime: consumer, startup, background loop, shutdown."""
    execution = Execution(settings, sessions, on_fills)

    async def build() -> None:
        execution.build(runtime)

    runtime.on_startup(build)
    # each egress pool reads every command (its own group) and takes its clients' (egress.py)
    runtime.consume(
        ORDER_COMMANDS, execution.handle_commands, group=settings.egress.scoped(runtime.name)
    )
    runtime.background(execution.run)
    runtime.background(execution.keep_leases)
    runtime.on_shutdown(execution.stop)
    return execution
