"""Reading each client's positions and margins at the broker, for the portfolio.

The adapter reads a client's position book and margin detail and publishes a
BrokerPositionsSnapshot (accounts.positions.v1) and a MarginSnapshot (accounts.margins.v1):
`accounts_after_fill_delay_seconds` after the first fill of a burst (the tracker pokes),
on demand (`POST /internal/reconcile`), and in a sweep that visits each client once per
`accounts_sweep_seconds`. The portfolio compares the positions with its own (drift) and
maps the margin rows to funds.

Which clients the sweep visits: the active clients of the registry copy in PostgreSQL
(`accounts`, kept from accounts.clients.v1) that this adapter's egress pool serves, and the
clients it saw fills for (the embedded dev mode without a registry), read again every
round, so a restarted replica forgets none. With replicas, each sweeps the clients whose
registrations its registry group member reads (`common.assignment`): one replica per client.
"""

import asyncio
import contextlib
import logging
import time
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import InitVar, dataclass, field
from typing import Any

from common.assignment import Assigned, assigned, member
from common.contracts.accounts import BrokerPosition, BrokerPositionsSnapshot
from common.contracts.envelope import utc_now
from common.enums import Exchange
from common.ids import new_id
from common.kafka import Publisher
from common.service import ServiceRuntime
from common.topics import BROKER_POSITIONS, CLIENTS, MARGINS
from fastapi import APIRouter
from motilal.client import MotilalClient
from motilal.errors import MotilalError, SessionExpired
from motilal.models.portfolio import Position
from pydantic import BaseModel, Field

from broker_adapter.accounts.margins import ACTOR, margin_snapshot
from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.egress import EgressPools, pool_of
from broker_adapter.metrics import METRICS
from broker_adapter.sessions import store_sessions
from broker_adapter.sessions.session import SessionUnavailable
from broker_adapter.sessions.source import SessionSource, client_of

log = logging.getLogger(__name__)
MAX_DEFER_S = 60.0
"""Longest a read after fills waits for a burst to be placed (sustained trading never ends).
A 1,000-client burst takes longer than 10 s on 2 cores; reads released in the middle of it
took a sixth of the adapter's CPU away from placing (py-spy, make bench). A read waits
again when its turn comes: 1,000 reads queued after one burst ran into the next one."""


def broker_position(row: Position) -> BrokerPosition | None:
    """One position-book row in the contract's terms; None for an exchange we do not know."""
    try:
        exchange = Exchange(row.exchange.upper())
    except ValueError:
        log.warning("position row on unknown exchange %r skipped", row.exchange)
        return None
    return BrokerPosition(
        token=row.token,
        exchange=exchange,
        product=row.product,
        buy_quantity=row.buy_quantity,
        sell_quantity=row.sell_quantity,
        buy_amount=row.buy_amount,
        sell_amount=row.sell_amount,
        last_price=row.ltp,
        mtm=row.mtm,
        booked_pnl=row.booked_pnl,
    )


async def positions_snapshot(client_id: str, broker: MotilalClient) -> BrokerPositionsSnapshot:
    # Stamped when asked, not when answered: a slow read that started before a newer one
    # must not look newer than it (the portfolio drops snapshots older than its last).
    asked_at = utc_now()
    rows = [p for p in (broker_position(r) for r in await broker.positions()) if p is not None]
    return BrokerPositionsSnapshot(
        correlation_id=new_id(),
        actor=ACTOR,
        client_id=client_id,
        positions=tuple(rows),
        taken_at=asked_at,
    )


class ReconcileIn(BaseModel):
    client_ids: list[str] | None = Field(
        default=None, description="clients to read now; omitted: every known client"
    )


@dataclass(eq=False)
class AccountSnapshots:
    """When a client's positions and margins are read: after its fills settle (once per
    burst), on demand, and by a slow sweep that visits every known client once per period,
    one at a time, so the idle cost stays flat however many clients there are."""

    sessions: SessionSource
    publisher: Publisher
    sweep_s: float
    after_fill_delay_s: float
    concurrency: InitVar[int]
    traded: set[str] = field(init=False, default_factory=set)
    """Clients this process saw fills for (swept even without a registry entry)."""
    registry: Callable[[], Awaitable[list[store_sessions.Account]]] | None = field(
        init=False, default=None
    )
    """The registry copy's active accounts (set by the wiring)."""
    assignment: Callable[[], Assigned | None] = field(init=False)
    """The registry group's partitions of accounts.clients.v1 here (set by the wiring)."""
    egress: EgressPools = field(init=False, default_factory=EgressPools)
    """Whose accounts this adapter reads: its egress pool's clients (set by the wiring)."""
    burst_placed: Callable[[], Awaitable[None]] | None = field(init=False, default=None)
    """Resolves when no command is being placed; reads after fills wait for it (up to
    MAX_DEFER_S), so a burst's orders go out before its clients' accounts are read."""
    _slots: asyncio.Semaphore = field(init=False)
    _read_at: dict[str, float] = field(init=False, default_factory=dict)
    _pending: dict[str, asyncio.Task[None]] = field(init=False, default_factory=dict)
    """Per client, its read after fills that has not started yet (a poke joins it)."""
    _reads: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    """Every read after fills until it ends, started or not: stop() cancels them all."""

    def __post_init__(self, concurrency: int) -> None:
        self._slots = asyncio.Semaphore(concurrency)
        self.assignment = lambda: None  # no partitions: sweeps no one until wired

    # --- which clients, and when -----------------------------------------------------

    async def swept(self) -> list[str]:
        """The clients this replica sweeps (see the module's doc); none until its registry
        group member has joined."""
        mine = self.assignment()
        if mine is None:
            return []
        accounts = await self.registry() if self.registry is not None else []
        registered = {
            a.client_id
            for a in accounts
            if self.egress.serves(pool_of(a.network_identity, a.dealer_id))
        }
        return sorted(c for c in registered | self.traded if mine.owns(c))

    def poke(self, client_id: str) -> None:
        """The client had fills: read it once they settle (pokes in the delay make one)."""
        self.traded.add(client_id)
        if client_id in self._pending and not self._pending[client_id].done():
            return
        task = self._pending[client_id] = asyncio.create_task(self._read_later(client_id))
        self._reads.add(task)
        task.add_done_callback(self._reads.discard)

    async def _read_later(self, client_id: str) -> None:
        await asyncio.sleep(self.after_fill_delay_s)
        await self._placed()
        self._pending.pop(client_id, None)
        await self.poll_client(client_id, "fills")

    async def _placed(self) -> None:
        """Until no command is being placed (at most MAX_DEFER_S)."""
        if self.burst_placed is not None:
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(MAX_DEFER_S):
                    await self.burst_placed()

    async def run(self) -> None:
        """Background loop: the sweep, one client every period / clients seconds."""
        while True:
            clients = await self.swept()
            if not clients:
                await asyncio.sleep(self.sweep_s)
                continue
            gap = self.sweep_s / len(clients)
            for client_id in clients:
                await asyncio.sleep(gap)
                read_at = self._read_at.get(client_id)
                if read_at is None or time.monotonic() - read_at >= self.sweep_s / 2:
                    await self.poll_client(client_id, "sweep")

    # --- reading ---------------------------------------------------------------------

    async def poll_all(self, client_ids: Sequence[str]) -> int:
        results = await asyncio.gather(*(self.poll_client(c, "demand") for c in client_ids))
        return sum(1 for ok in results if ok)

    async def poll_client(self, client_id: str, reason: str = "demand") -> bool:
        """Read and publish one client's positions and margins; False when it could not."""
        async with self._slots:
            if reason == "fills":  # a burst that began while this read queued goes first
                await self._placed()
            METRICS.account_reads.labels(reason).inc()
            self._read_at[client_id] = time.monotonic()
            try:
                await self._poll(client_id, retry_session=True)
                return True
            except SessionUnavailable as error:
                log.info("no session for %s, not read: %s", client_id, error.reason)
            except MotilalError as error:
                log.warning("reading positions/margins of %s failed: %s", client_id, error)
            return False

    async def _poll(self, client_id: str, retry_session: bool) -> None:
        broker = client_of(await self.sessions.session_for(client_id))
        try:
            positions = await positions_snapshot(client_id, broker)
            margins = await margin_snapshot(client_id, broker)
        except SessionExpired:
            if not retry_session:
                raise
            await self.sessions.relogin(client_id)
            await self._poll(client_id, retry_session=False)
            return
        await self.publisher.publish(BROKER_POSITIONS, positions)
        await self.publisher.publish(MARGINS, margins)

    def router(self) -> APIRouter:
        router = APIRouter(prefix="/internal", tags=["reconciliation"])

        @router.post("/reconcile", summary="Read positions and margins at the broker now")
        async def reconcile(body: ReconcileIn | None = None) -> dict[str, Any]:
            wanted = body.client_ids if body and body.client_ids else await self.swept()
            polled = await self.poll_all(wanted)
            return {"requested": len(wanted), "polled": polled, "client_ids": wanted}

        return router

    async def stop(self) -> None:
        # a started read left _pending (a poke meanwhile starts another): _reads has both,
        # and none may publish after the producer closed
        tasks = list(self._reads)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def install_account_snapshots(
    runtime: ServiceRuntime, settings: BrokerAdapterSettings, sessions: SessionSource
) -> AccountSnapshots:
    """Wire the reader into the runtime: the registry consumer and the sweep."""
    snapshots = AccountSnapshots(
        sessions,
        runtime.publisher,
        settings.accounts_sweep_seconds,
        settings.accounts_after_fill_delay_seconds,
        settings.accounts_poll_concurrency,
    )
    snapshots.registry = lambda: store_sessions.active_accounts(runtime.pool)
    # the registry group's member is the sessions registry's consumer (sessions/wiring.py)
    snapshots.assignment = lambda: assigned(member(runtime.broker, CLIENTS), CLIENTS)
    snapshots.egress = settings.egress
    runtime.background(snapshots.run)
    runtime.on_shutdown(snapshots.stop)
    return snapshots
