"""Polling each client's positions and margins at the broker, for the portfolio.

Every `accounts_poll_interval_seconds` (and `accounts_after_fill_delay_seconds` after a fill
of that client, coalesced) the adapter reads the client's position book and margin detail
and publishes a BrokerPositionsSnapshot (accounts.positions.v1) and a MarginSnapshot
(accounts.margins.v1). The portfolio compares the positions with its own (drift) and maps
the margin rows to funds. `POST /internal/reconcile` polls at once, on demand.

Which clients: every active client of the registry (accounts.clients.v1) and every client
that has order events (orders.events.v1), so the embedded dev mode without a registry works.
"""

import asyncio
import logging
from collections.abc import Sequence
from typing import Any

from common.contracts.accounts import BrokerPosition, BrokerPositionsSnapshot, ClientUpserted
from common.contracts.envelope import Message, utc_now
from common.contracts.order_events import Fill
from common.enums import Exchange
from common.ids import new_id
from common.kafka import Publisher
from common.service import ServiceRuntime
from common.topics import BROKER_POSITIONS, CLIENTS, MARGINS, ORDER_EVENTS
from fastapi import APIRouter
from motilal.client import MotilalClient
from motilal.errors import MotilalError, SessionExpired
from motilal.models.portfolio import Position
from pydantic import BaseModel, Field
from pydantic_settings import BaseSettings, SettingsConfigDict

from broker_adapter.accounts.margins import ACTOR, margin_snapshot
from broker_adapter.sessions.manager import SessionUnavailable
from broker_adapter.sessions.source import SessionSource, client_of

log = logging.getLogger(__name__)


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


class AccountSnapshots:
    def __init__(
        self,
        sessions: SessionSource,
        publisher: Publisher,
        interval_s: float,
        after_fill_delay_s: float,
        concurrency: int,
    ) -> None:
        self._sessions = sessions
        self._publisher = publisher
        self._interval = interval_s
        self._after_fill = after_fill_delay_s
        # the periodic sweep and the urgent reads (after a fill, on demand) have their own
        # slots, so an on-demand reconcile never queues behind a sweep of every client
        self._sweep_slots = asyncio.Semaphore(concurrency)
        self._urgent_slots = asyncio.Semaphore(concurrency)
        self.clients: set[str] = set()
        self._pending: dict[str, asyncio.Task[None]] = {}

    # --- which clients, and when -----------------------------------------------------

    async def on_clients(self, messages: Sequence[Message]) -> None:
        for m in messages:
            if isinstance(m, ClientUpserted):
                if m.active:
                    self.clients.add(m.client_id)
                else:
                    self.clients.discard(m.client_id)

    async def on_order_events(self, messages: Sequence[Message]) -> None:
        for m in messages:
            client_id = getattr(m, "client_id", None)
            if not client_id:
                continue
            self.clients.add(client_id)
            if isinstance(m, Fill):
                self.poke(client_id)

    def poke(self, client_id: str) -> None:
        """Poll this client soon (after fills); several pokes in the delay make one poll."""
        if client_id in self._pending and not self._pending[client_id].done():
            return
        self._pending[client_id] = asyncio.create_task(self._poll_later(client_id))

    async def _poll_later(self, client_id: str) -> None:
        await asyncio.sleep(self._after_fill)
        await self.poll_client(client_id, urgent=True)

    async def run(self) -> None:
        """Background loop: every interval, poll every known client."""
        while True:
            await asyncio.sleep(self._interval)  # first sweep one interval after start
            await self.poll_all(sorted(self.clients), urgent=False)

    # --- polling ---------------------------------------------------------------------

    async def poll_all(self, client_ids: Sequence[str], urgent: bool = True) -> int:
        results = await asyncio.gather(*(self.poll_client(c, urgent) for c in client_ids))
        return sum(1 for ok in results if ok)

    async def poll_client(self, client_id: str, urgent: bool = True) -> bool:
        """Read and publish one client's positions and margins; False when it could not."""
        async with self._urgent_slots if urgent else self._sweep_slots:
            try:
                await self._poll(client_id, retry_session=True)
                return True
            except SessionUnavailable as error:
                log.info("no session for %s, not polled: %s", client_id, error.reason)
            except MotilalError as error:
                log.warning("reading positions/margins of %s failed: %s", client_id, error)
            return False

    async def _poll(self, client_id: str, retry_session: bool) -> None:
        broker = client_of(await self._sessions.session_for(client_id))
        try:
            positions = await positions_snapshot(client_id, broker)
            margins = await margin_snapshot(client_id, broker)
        except SessionExpired:
            if not retry_session:
                raise
            await self._sessions.relogin(client_id)
            await self._poll(client_id, retry_session=False)
            return
        await self._publisher.publish(BROKER_POSITIONS, positions)
        await self._publisher.publish(MARGINS, margins)

    def router(self) -> APIRouter:
        router = APIRouter(prefix="/internal", tags=["reconciliation"])

        @router.post("/reconcile", summary="Read positions and margins at the broker now")
        async def reconcile(body: ReconcileIn | None = None) -> dict[str, Any]:
            wanted = body.client_ids if body and body.client_ids else sorted(self.clients)
            polled = await self.poll_all(wanted)
            return {"requested": len(wanted), "polled": polled, "client_ids": wanted}

        return router


class AccountPollSettings(BaseSettings):
    """Polling of positions and margins (environment prefix BROKER_ADAPTER_)."""

    model_config = SettingsConfigDict(env_prefix="BROKER_ADAPTER_", extra="ignore")

    accounts_poll_interval_seconds: float = Field(
        default=30.0, gt=0, description="how often every client's positions and margins are read"
    )
    accounts_after_fill_delay_seconds: float = Field(
        default=1.0,
        ge=0,
        description="a client's positions and margins are read this long after its fill "
        "(more fills in that time make one read)",
    )
    accounts_poll_concurrency: int = Field(
        default=16, gt=0, description="clients whose positions and margins are read at once"
    )


ACCOUNTS_GROUP = "broker-adapter-accounts"


def install_account_snapshots(runtime: ServiceRuntime, sessions: SessionSource) -> AccountSnapshots:
    """Wire the poller into the runtime: its two consumers and its background loop."""
    s = AccountPollSettings()
    snapshots = AccountSnapshots(
        sessions,
        runtime.publisher,
        s.accounts_poll_interval_seconds,
        s.accounts_after_fill_delay_seconds,
        s.accounts_poll_concurrency,
    )
    runtime.consume(CLIENTS, snapshots.on_clients, group=ACCOUNTS_GROUP)
    # only new fills matter here (old ones were polled for when they happened)
    runtime.consume(
        ORDER_EVENTS, snapshots.on_order_events, group=ACCOUNTS_GROUP, from_beginning=False
    )
    runtime.background(snapshots.run)
    return snapshots
