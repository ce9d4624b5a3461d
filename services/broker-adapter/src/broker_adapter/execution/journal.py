"""The idempotency log's writes on the order path, group-committed.

Every place goes through three writes: the intent before the call, the broker order id
after it (with OrderAccepted), and the end (with its event). Each is awaited by its caller
as if alone, and concurrent callers share one statement and one produce (group_commit.py).

Events are published before the state they report is stored: a crash in between publishes
the event again after recovery (consumers deduplicate), never loses it.

A broker order id is stored with the trading date it was given on (`today`, IST), since
Motilal's ids restart every day.
"""

from collections.abc import Callable, Sequence
from dataclasses import replace
from datetime import date

import asyncpg
from common.contracts.envelope import utc_now
from common.contracts.order_events import OrderEvent
from common.trading_days import trading_date

from broker_adapter.execution import store_intents as store
from broker_adapter.execution.emitter import Emitter
from broker_adapter.execution.group_commit import GroupCommit
from broker_adapter.execution.intents import Intent, IntentState
from broker_adapter.execution.store_intents import Settlement


def today() -> date:
    """The trading date now (the IST date of the exchange session)."""
    return trading_date(utc_now())


class Journal:
    def __init__(
        self, pool: asyncpg.Pool, emitter: Emitter, today: Callable[[], date] = today
    ) -> None:
        self._pool = pool
        self._emitter = emitter
        self.today = today
        self._records: GroupCommit[Intent, tuple[Intent, bool]] = GroupCommit(self._record)
        self._accepts: GroupCommit[tuple[Intent, str, OrderEvent], None] = GroupCommit(self._accept)
        self._ends: GroupCommit[tuple[Settlement, OrderEvent | None], None] = GroupCommit(
            self._settle
        )

    async def record(self, intent: Intent) -> tuple[Intent, bool]:
        """The stored intent for its order, and whether this call created it."""
        return await self._records.submit(intent)

    async def accepted(self, intent: Intent, broker_order_id: str, event: OrderEvent) -> Intent:
        """Publishes the acceptance, then stores the broker order id (state PLACED)."""
        day = self.today()
        await self._accepts.submit((intent, broker_order_id, event))
        return replace(
            intent, state=IntentState.PLACED, broker_order_id=broker_order_id, trading_date=day
        )

    async def settled(self, settlement: Settlement, event: OrderEvent | None) -> None:
        """Publishes the order's last event (if it has one), then stores it as DONE."""
        await self._ends.submit((settlement, event))

    async def _record(self, intents: Sequence[Intent]) -> Sequence[tuple[Intent, bool]]:
        return await store.record_intents(self._pool, intents)

    async def _accept(self, items: Sequence[tuple[Intent, str, OrderEvent]]) -> Sequence[None]:
        await self._emitter.emit_many([event for _, _, event in items])
        placed = [(intent, uid) for intent, uid, _ in items]
        await store.place_many(self._pool, placed, self.today())
        return [None] * len(items)

    async def _settle(
        self, items: Sequence[tuple[Settlement, OrderEvent | None]]
    ) -> Sequence[None]:
        await self._emitter.emit_many([event for _, event in items if event is not None])
        await store.settle_many(self._pool, [settlement for settlement, _ in items], self.today())
        return [None] * len(items)
