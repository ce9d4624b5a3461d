"""Follows every placed order to its end, from the broker's order and trade books.

Each sync of a client reads its order book and trade book once and:
1. publishes one fill event per broker trade number not reported before (a fill that comes
   after a cancel is still reported), in a transaction that claims the trade number;
2. settles orders that reached a terminal status: Rejected/Error (OrderRejected with the
   book's error text), Cancel (OrderCanceled once its fills are in), Traded (done once all
   its fills are reported; the last one was an OrderFilled);
3. adopts orders whose placement outcome was unknown and that now show up by tag.

Syncs run at once when something hints at news (a command just ran, a frame arrived on
the order/trade stream), and as a fallback every `poll_interval_seconds` for clients with
open orders, or every `stream_poll_interval_seconds` while the client's stream is up.
"""

import asyncio
import contextlib
import logging
import time
from collections import defaultdict

import asyncpg
from common.contracts.envelope import utc_now
from common.contracts.order_events import (
    OrderCanceled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
)
from common.locks import ClientLocks
from motilal.models import Order, Trade
from motilal.models import OrderStatus as BrokerStatus

from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.execution import store_intents as store
from broker_adapter.execution.emitter import Emitter, envelope_of
from broker_adapter.execution.executor import Executor, Park
from broker_adapter.execution.intents import Intent, IntentState
from broker_adapter.sessions.manager import SessionUnavailable
from broker_adapter.tracking.streams import OrderStreams

log = logging.getLogger(__name__)


class Tracker:
    def __init__(
        self,
        settings: BrokerAdapterSettings,
        pool: asyncpg.Pool,
        executor: Executor,
        emitter: Emitter,
        locks: ClientLocks,
    ) -> None:
        self.settings = settings
        self.pool = pool
        self.executor = executor
        self.emitter = emitter
        self.locks = locks
        self._due: set[str] = set()
        self._synced_at: dict[str, float] = {}
        self._wake = asyncio.Event()
        self.streams = OrderStreams(self.nudge) if settings.order_stream else None

    def nudge(self, client_id: str) -> None:
        """Sync this client soon (its books probably changed)."""
        self._due.add(client_id)
        self._wake.set()

    async def run(self) -> None:
        """The polling loop (a runtime background task)."""
        interval = self.settings.poll_interval_seconds
        next_full = time.monotonic()
        gate = asyncio.Semaphore(self.settings.poll_concurrency)
        while True:
            timeout = max(next_full - time.monotonic(), 0.0)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(timeout):
                    await self._wake.wait()
            self._wake.clear()
            clients = set(self._due)
            self._due.clear()
            if time.monotonic() >= next_full:
                open_clients = set(await store.clients_with_open_orders(self.pool))
                clients |= {c for c in open_clients if self._poll_due(c)}
                next_full = time.monotonic() + interval
                if self.streams is not None:
                    for idle in self.streams.followed - open_clients:
                        self.streams.unfollow(idle)
            if clients:
                await asyncio.gather(*(self._guarded(c, gate) for c in clients))

    def _poll_due(self, client_id: str) -> bool:
        """Every interval without a live stream; with one, only as a slower safety net."""
        if self.streams is None or not self.streams.is_live(client_id):
            return True
        since = time.monotonic() - self._synced_at.get(client_id, 0.0)
        return since >= self.settings.stream_poll_interval_seconds

    async def _guarded(self, client_id: str, gate: asyncio.Semaphore) -> None:
        async with gate:
            try:
                await self.sync(client_id)
            except (Park, SessionUnavailable) as error:
                log.info("books of %s not read: %s", client_id, error)
            except Exception:
                log.exception("tracking %s failed; next poll retries", client_id)

    async def sync(self, client_id: str) -> None:
        """Reads the client's books once and reports everything new."""
        tracked = [
            i for i in await store.open_intents(self.pool, client_id)
            if i.state in (IntentState.PLACED, IntentState.UNKNOWN)
        ]  # fmt: skip
        if not tracked:
            return
        self._synced_at[client_id] = time.monotonic()
        if self.streams is not None:
            self.streams.follow(client_id, await self.executor.client_for(client_id))
        book: list[Order] = await self.executor.read(
            client_id, "order_book", lambda c: c.order_book()
        )
        trades: list[Trade] = await self.executor.read(
            client_id, "trade_book", lambda c: c.trade_book()
        )
        async with self.locks.of(client_id):
            await self._report_fills(client_id, book, trades)
            for intent in await store.open_intents(self.pool, client_id):
                await self._settle(intent, book)

    async def _report_fills(self, client_id: str, book: list[Order], trades: list[Trade]) -> None:
        if not trades:
            return
        new = await store.unreported_trades(self.pool, client_id, [t.trade_no for t in trades])
        if not new:
            return
        fresh = [t for t in trades if t.trade_no in new]
        ours = {
            i.broker_order_id: i
            for i in await store.intents_by_broker_id(
                self.pool, client_id, sorted({t.unique_order_id for t in fresh})
            )
        }
        quantities = {o.unique_order_id: o.quantity for o in book}
        by_order: dict[str, list[Trade]] = defaultdict(list)
        for trade in fresh:
            if trade.unique_order_id in ours:
                by_order[trade.unique_order_id].append(trade)
        for uid, order_trades in by_order.items():
            order_trades.sort(key=lambda t: (t.time is None, t.time, _number(t.trade_no)))
            for trade in order_trades:
                await self._report_fill(ours[uid].order_id, trade, quantities.get(uid))

    async def _report_fill(self, order_id: str, trade: Trade, broker_quantity: int | None) -> None:
        async with self.pool.acquire() as conn, conn.transaction():
            intent = await store.lock_intent(conn, order_id)
            if intent is None or trade.quantity <= 0:
                return
            if not await store.mark_trade(
                conn, intent.client_id, trade.trade_no, order_id, trade.quantity
            ):
                return
            filled = intent.filled_quantity + trade.quantity
            total = max(intent.quantity, broker_quantity or 0)
            kind = OrderFilled if filled >= total else OrderPartiallyFilled
            event = kind(
                **envelope_of(intent),
                trade_no=trade.trade_no,
                instrument=intent.instrument,
                side=intent.side,
                trade_type=intent.trade_type,
                quantity=trade.quantity,
                price=trade.price,
                filled_quantity=filled,
                leaves_quantity=max(total - filled, 0),
                traded_at=trade.time or utc_now(),
            )
            # Published inside the transaction: if publishing fails the claim is rolled back;
            # if we die after publishing, the fill is sent again and deduplicated downstream
            # by (client_id, trade_no).
            await self.emitter.emit(event)
            await store.record_fill(conn, order_id, filled, complete=kind is OrderFilled)

    async def _settle(self, intent: Intent, book: list[Order]) -> None:
        if intent.state is IntentState.UNKNOWN:
            found = [o for o in book if o.tag == intent.tag]
            if found:
                await self.executor.adopt(intent, sorted(found, key=lambda o: o.unique_order_id)[0])
            return
        if intent.state is not IntentState.PLACED:
            return
        order = next((o for o in book if o.unique_order_id == intent.broker_order_id), None)
        if order is None:
            return  # the book may lag the placement; the next poll looks again
        status = order.status
        if status in (BrokerStatus.REJECTED, BrokerStatus.ERROR):
            await self.emitter.emit(
                OrderRejected(
                    **envelope_of(intent),
                    error_code=status.value.upper(),
                    reason=order.error or f"order {status.value.lower()} at the broker",
                )
            )
            await self._done(intent, "order.rejected", status)
        elif status is BrokerStatus.CANCEL:
            if intent.filled_quantity < order.traded_quantity:
                return  # its fills are not all in the trade book yet
            await self.emitter.emit(
                OrderCanceled(
                    **envelope_of(intent),
                    filled_quantity=intent.filled_quantity,
                    reason=order.error or "canceled",
                )
            )
            await self._done(intent, "order.canceled", status)
        elif status is BrokerStatus.TRADED:
            if intent.filled_quantity < order.quantity:
                return
            await self._done(intent, "order.filled", status)
        elif intent.broker_status != status.value:
            await store.move(self.pool, intent, IntentState.PLACED, broker_status=status.value)

    async def _done(self, intent: Intent, event: str, status: BrokerStatus) -> None:
        await store.move(
            self.pool, intent, IntentState.DONE, terminal_event=event, broker_status=status.value
        )


def _number(trade_no: str) -> int:
    return int(trade_no) if trade_no.isdigit() else 0
