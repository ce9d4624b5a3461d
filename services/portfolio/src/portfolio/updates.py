"""Publishing portfolio.updates.v1: at once for fills and margins, throttled for quotes.

A fill changes a position for good, so its PositionChanged and the client's PnlChanged go
out right after the change is committed. A quote only re-marks open positions; those are
collected and published at most once per `interval` (latest state wins), so a tick storm
costs one message per position and client per interval, not one per tick.
"""

import asyncio
import logging
from collections.abc import Iterable
from typing import Any

import asyncpg
from common.contracts.envelope import Message
from common.ids import new_id
from common.kafka import Publisher
from common.topics import PORTFOLIO_UPDATES

from portfolio import store
from portfolio.views import pnl_by_client, pnl_changed, position_changed

log = logging.getLogger(__name__)

SERVICE_ACTOR = "portfolio"


def _service_envelope() -> dict[str, Any]:
    return {"correlation_id": new_id(), "actor": SERVICE_ACTOR}


class UpdatePublisher:
    def __init__(self, pool: asyncpg.Pool, publisher: Publisher, interval_s: float) -> None:
        self._pool = pool
        self._publisher = publisher
        self._interval = interval_s
        self._dirty_positions: set[str] = set()
        self._dirty_clients: set[str] = set()

    async def publish_now(
        self, position_ids: Iterable[str], envelope: dict[str, Any] | None = None
    ) -> None:
        """PositionChanged for each position and PnlChanged for each of their clients."""
        ids = sorted(set(position_ids))
        if not ids:
            return
        held = await store.positions_by_id(self._pool, ids)
        env = envelope or _service_envelope()
        messages: list[Message] = [position_changed(h, env) for h in held]
        clients = sorted({h.position.key.client_id for h in held})
        messages.extend(await self._pnl_messages(clients, env))
        await self._publisher.publish_many(PORTFOLIO_UPDATES, messages)

    def mark(self, marked: Iterable[tuple[str, str]]) -> None:
        """Remember (client_id, position_id) pairs re-marked by a quote for the next flush."""
        for client_id, position_id in marked:
            self._dirty_clients.add(client_id)
            self._dirty_positions.add(position_id)

    async def flush(self) -> None:
        positions, self._dirty_positions = self._dirty_positions, set()
        clients, self._dirty_clients = self._dirty_clients, set()
        if not positions and not clients:
            return
        env = _service_envelope()
        held = await store.positions_by_id(self._pool, sorted(positions))
        messages: list[Message] = [position_changed(h, env) for h in held]
        messages.extend(await self._pnl_messages(sorted(clients), env))
        await self._publisher.publish_many(PORTFOLIO_UPDATES, messages)

    async def run(self) -> None:
        """Flush every interval for the service's lifetime."""
        while True:
            await asyncio.sleep(self._interval)
            try:
                await self.flush()
            except Exception:
                log.exception(
                    "publishing marked positions failed; they are dropped until re-marked"
                )

    async def _pnl_messages(self, clients: list[str], env: dict[str, Any]) -> list[Message]:
        if not clients:
            return []
        realized = await store.realized_by_client(self._pool, clients)
        active = await store.active_by_clients(self._pool, clients)
        pnl = pnl_by_client(realized, active, clients)
        return [pnl_changed(c, pnl[c], env) for c in clients]
