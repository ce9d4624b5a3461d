"""Follows every placed order to its end.

The path is the client's order/trade stream (streams.py): each trade frame is a fill,
reported once per broker trade number through the outbox (fills.py); each order frame that
ends an order (rejected, canceled, traded) settles it. Frames are applied per client, in
the order they came, under the client's lock (so never in the middle of its placement).

Book reads are for recovery only, one client at a time and bounded in number:
- when a stream (re)connects while the client has open orders (frames may have been lost);
- when an order's end needs fills the frames did not bring, or its outcome was unknown;
- every `poll_interval_seconds` while the client's stream is down (or switched off);
- as a safety net while the stream is up: after `stream_poll_interval_seconds`, doubling
  up to `stream_poll_max_interval_seconds` while reads find nothing new.
A client without open orders is never read. Nothing here scans every client on a timer.

Who follows an order: the replica that placed or modified it, every replica started while
it was open (`run`), and the heir of a replica that is gone (takeover.py).

Broker order ids and trade numbers restart every trading day: a row names an order by
(client, exchange, today's trading date, broker order id), never yesterday's order with the
same id, and a fill is claimed for the trading date of its trade time.
"""

import asyncio
import contextlib
import logging
import time
from collections import deque
from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field, replace

import asyncpg
from common.contracts.envelope import utc_now
from common.contracts.order_events import (
    OrderCanceled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
)
from common.locks import ClientLocks
from motilal.client import MotilalClient
from motilal.feed.orders import StreamUpdate
from motilal.models import Order, Trade
from motilal.models import OrderStatus as BrokerStatus

from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.egress import EgressPools
from broker_adapter.execution import store_intents as store
from broker_adapter.execution.broker import Park
from broker_adapter.execution.emitter import envelope_of
from broker_adapter.execution.executor import Executor
from broker_adapter.execution.intents import Intent, IntentState
from broker_adapter.execution.journal import Journal
from broker_adapter.execution.store_intents import Settlement
from broker_adapter.metrics import METRICS
from broker_adapter.sessions.pools import ClientPools
from broker_adapter.sessions.session import SessionUnavailable
from broker_adapter.tracking.fills import FillOutbox
from broker_adapter.tracking.open_orders import BrokerKey, Followed, OpenOrders
from broker_adapter.tracking.streams import OrderStreams

log = logging.getLogger(__name__)
_SOON_S = 0.5
"""Delay of a recovery read asked for by a frame (fills the stream did not bring yet)."""


@dataclass(eq=False)
class Tracker:
    settings: BrokerAdapterSettings
    pool: asyncpg.Pool
    executor: Executor
    journal: Journal
    fills: FillOutbox
    locks: ClientLocks
    on_fills: Callable[[str], None]
    open: OpenOrders = field(init=False, default_factory=OpenOrders)
    _frames: dict[str, deque[StreamUpdate]] = field(init=False, default_factory=dict)
    _appliers: dict[str, asyncio.Task[None]] = field(init=False, default_factory=dict)
    _reads: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    _next_read: dict[str, float] = field(init=False, default_factory=dict)
    _quiet_reads: dict[str, int] = field(init=False, default_factory=dict)
    _wake: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    _sleeping_until: float = field(init=False, default=0.0)
    streams: OrderStreams | None = field(init=False)
    pools: ClientPools = field(init=False)
    """Whose orders this replica follows (egress.py), set by the wiring."""

    def __post_init__(self) -> None:
        self.streams = (
            OrderStreams(self._on_frame, self._on_connect) if self.settings.order_stream else None
        )
        self.executor.follower = self
        self.pools = ClientPools(EgressPools(), self.pool)

    # ---- what the executor tells (executor.Follower) --------------------------------------

    def session_ready(self, client_id: str, client: MotilalClient) -> None:
        if self.streams is not None:
            self.streams.follow(client_id, client)

    def track(self, intent: Intent) -> None:
        early = self.open.track(intent)
        if early:
            self._enqueue(intent.client_id, early, front=True)
        self._read_in(intent.client_id, self._read_delay(intent.client_id))

    def untrack(self, intent: Intent) -> None:
        self.open.end(intent.client_id, intent.order_id)

    # ---- frames ----------------------------------------------------------------------------

    def _on_frame(self, client_id: str, update: StreamUpdate) -> None:
        self._enqueue(client_id, [update])

    def _on_connect(self, client_id: str) -> None:
        # Frames sent while it was down are lost: read the books. Also with nothing open yet:
        # a stream opened by a placement's login may connect after that order's frames were
        # sent and before the order is tracked (the read waits for the placement's lock).
        self._read_in(client_id, 0.0)

    def _enqueue(self, client_id: str, updates: list[StreamUpdate], front: bool = False) -> None:
        queue = self._frames.setdefault(client_id, deque())
        if front:
            queue.extendleft(reversed(updates))
        else:
            queue.extend(updates)
        if client_id not in self._appliers:
            self._appliers[client_id] = asyncio.create_task(
                self._apply_frames(client_id), name=f"frames:{client_id}"
            )

    async def _apply_frames(self, client_id: str) -> None:
        try:
            while queue := self._frames.get(client_id):
                async with self.locks.of(client_id):
                    while queue:
                        update = queue.popleft()
                        try:
                            await self._apply(client_id, update, from_book=False)
                        except Exception:
                            log.exception("frame of %s not applied; its books will be read",
                                          client_id)  # fmt: skip
                            self._read_in(client_id, self.settings.poll_interval_seconds)
        finally:
            self._appliers.pop(client_id, None)
            self._frames.pop(client_id, None)

    async def _apply(self, client_id: str, update: StreamUpdate, *, from_book: bool) -> None:
        """Applies one order or trade row (from a frame or a book); the client's lock is held."""
        if isinstance(update, Trade):
            await self._apply_trade(client_id, update, from_book)
        else:
            await self._apply_order(client_id, update, from_book)

    def _key(self, client_id: str, row: StreamUpdate) -> BrokerKey:
        """The row's broker identity: today's session (the books hold only today's rows)."""
        uid, exchange = row.unique_order_id, row.exchange.strip().upper()
        if not exchange:  # a frame without its exchange: the open order with that id has one
            mine = [f.intent.exchange for f in self.open.of(client_id)
                    if f.intent.broker_order_id == uid]  # fmt: skip
            exchange = mine[0] if mine else ""
        return BrokerKey(client_id, exchange, self.journal.today(), uid)

    async def _apply_trade(self, client_id: str, trade: Trade, from_book: bool) -> None:
        key = self._key(client_id, trade)
        followed, is_open = self.open.by_uid(key, trade.tag)
        if followed is None:
            if not from_book:  # the order's id may not be known yet: replayed when it is
                self.open.hold_early(key, trade)
            return
        if trade.trade_no in followed.reported or trade.quantity <= 0:
            return
        intent = followed.intent
        counted = replace(intent, filled_quantity=intent.filled_quantity + trade.quantity)
        complete = counted.leaves_quantity == 0
        kind = OrderFilled if complete else OrderPartiallyFilled
        event = kind(
            **envelope_of(intent),
            trade_no=trade.trade_no,
            instrument=intent.instrument,
            side=intent.side,
            trade_type=intent.trade_type,
            quantity=trade.quantity,
            price=trade.price,
            filled_quantity=counted.filled_quantity,
            leaves_quantity=counted.leaves_quantity,
            traded_at=trade.time or utc_now(),
        )
        new = await self.fills.report(event)
        followed.reported.add(trade.trade_no)
        if not new:  # reported before (a restart, another replica): take the stored count
            stored = await store.get_intent(self.pool, intent.order_id)
            if stored is not None:
                followed.intent = replace(intent, filled_quantity=stored.filled_quantity)
            return
        followed.intent = counted
        self.on_fills(client_id)
        if complete and is_open:
            await self._end(followed, Settlement(followed.intent, "order.filled", "Traded"))

    async def _apply_order(self, client_id: str, order: Order, from_book: bool) -> None:
        key = self._key(client_id, order)
        followed, is_open = self.open.by_uid(key, order.tag)
        if followed is None:
            unknown = self.open.unknown_with_tag(client_id, order.tag.strip())
            if unknown is not None:  # the order whose placement outcome was lost
                await self.executor.adopt(unknown.intent, order)
                METRICS.orders.labels("adopted").inc()
            elif not from_book:
                self.open.hold_early(key, order)
            return
        if not is_open:
            return
        intent, status = followed.intent, order.status
        if status in (BrokerStatus.REJECTED, BrokerStatus.ERROR):
            reason = order.error or f"order {status.value.lower()} at the broker"
            event = OrderRejected(
                **envelope_of(intent), error_code=status.value.upper(), reason=reason
            )
            settlement = Settlement(intent, "order.rejected", status.value, last_error=reason)
            await self._end(followed, settlement, event)
        elif status is BrokerStatus.CANCEL:
            if intent.filled_quantity < order.traded_quantity:
                self._read_in(client_id, _SOON_S)  # its fills first
                return
            canceled = OrderCanceled(
                **envelope_of(intent),
                filled_quantity=intent.filled_quantity,
                reason=order.error or "canceled",
            )
            await self._end(followed, Settlement(intent, "order.canceled", "Cancel"), canceled)
        elif status is BrokerStatus.TRADED:
            if intent.filled_quantity < order.quantity:
                self._read_in(client_id, _SOON_S)  # its last fill has not come yet
                return
            await self._end(followed, Settlement(intent, "order.filled", "Traded"))

    async def _end(
        self,
        followed: Followed,
        settlement: Settlement,
        event: OrderRejected | OrderCanceled | None = None,
    ) -> None:
        await self.journal.settled(settlement, event)
        self.open.end(followed.intent.client_id, followed.intent.order_id)

    # ---- orders followed without being placed here ---------------------------------------

    async def follow_stored(self, followed: Sequence[tuple[Intent, Iterable[str]]]) -> int:
        """Follows these orders read from the log (every open one at start, a gone
        replica's on a takeover: takeover.py), with their trade numbers reported, if their
        clients are this pool's; reads their books at once (frames may have been missed).
        An order followed here already, or ended here, keeps what this process knows of
        it. Answers how many it follows anew."""
        new = 0
        for intent, reported in await self.pools.served(followed, lambda f: f[0].client_id):
            if self.open.knows(intent):
                continue
            early = self.open.track(intent, reported)
            if early:
                self._enqueue(intent.client_id, early, front=True)
            self._read_in(intent.client_id, 0.0)
            new += 1
        return new

    # ---- recovery reads --------------------------------------------------------------------

    def _read_delay(self, client_id: str) -> float:
        s = self.settings
        if any(f.intent.state is IntentState.UNKNOWN for f in self.open.of(client_id)):
            return s.unknown_outcome_delay_seconds
        if self.streams is None or not self.streams.connected(client_id):
            return s.poll_interval_seconds
        quiet = self._quiet_reads.get(client_id, 0)
        return min(s.stream_poll_interval_seconds * 2**quiet, s.stream_poll_max_interval_seconds)

    def _read_in(self, client_id: str, seconds: float) -> None:
        """Reads the client's books within `seconds` (sooner if already due sooner)."""
        at = time.monotonic() + seconds
        if at < self._next_read.get(client_id, float("inf")):
            self._next_read[client_id] = at
            if at < self._sleeping_until:  # the loop would sleep past it: wake it
                self._wake.set()

    async def run(self) -> None:
        """Background task: recover what a restart left open, then run due reads forever,
        `poll_concurrency` at a time (that many readers take the due clients in turn)."""
        await self.fills.republish()
        await self.follow_stored(await store.followed_intents(self.pool))
        due: asyncio.Queue[str] = asyncio.Queue()
        for _ in range(self.settings.poll_concurrency):
            reader = asyncio.create_task(self._read_due(due))
            self._reads.add(reader)
            reader.add_done_callback(self._reads.discard)
        while True:
            now = time.monotonic()
            for client_id in [c for c, at in self._next_read.items() if at <= now]:
                del self._next_read[client_id]
                due.put_nowait(client_id)
            self._wake.clear()
            self._sleeping_until = min(self._next_read.values(), default=now + 3600)
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(max(self._sleeping_until - now, 0.0)):
                    await self._wake.wait()
            self._sleeping_until = 0.0

    async def _read_due(self, due: asyncio.Queue[str]) -> None:
        # A fixed set of readers, not a task per due client behind a semaphore: after a
        # burst every client of it can be due at once.
        while True:
            await self._guarded_read(await due.get())

    async def _guarded_read(self, client_id: str) -> None:
        try:
            news = await self.recover(client_id)
            self._quiet_reads[client_id] = 0 if news else self._quiet_reads.get(client_id, 0) + 1
        except (Park, SessionUnavailable) as error:
            log.info("books of %s not read: %s", client_id, error)
        except Exception:
            log.exception("reading the books of %s failed; trying again later", client_id)
        if self.open.of(client_id):
            self._read_in(client_id, self._read_delay(client_id))
        else:
            self._quiet_reads.pop(client_id, None)

    async def recover(self, client_id: str) -> bool:
        """Reads the client's books once and applies what is new; True if anything was."""
        # Under the client's lock: a placement in flight finishes first, so its order is
        # known when the books are read, and frames wait until the read is applied.
        async with self.locks.of(client_id):
            await self._end_earlier_days(client_id)
            if not self.open.of(client_id):
                return False
            METRICS.book_reads.inc()
            before = self._progress(client_id)
            book: list[Order] = await self.executor.read(
                client_id, "order_book", lambda c: c.order_book()
            )
            trades: list[Trade] = await self.executor.read(
                client_id, "trade_book", lambda c: c.trade_book()
            )
            await self._recall_ended(client_id, trades)
            for trade in sorted(trades, key=_in_time):
                await self._apply_trade(client_id, trade, from_book=True)
            for order in book:
                await self._apply_order(client_id, order, from_book=True)
            return self._progress(client_id) != before

    async def _end_earlier_days(self, client_id: str) -> None:
        """Stops following orders of an earlier trading day: the broker dropped them with
        that day's books, and the order-router expires them (so no event from here)."""
        for followed in self.open.of_earlier_days(client_id, self.journal.today()):
            log.info("order %s of %s ended with its trading day", followed.intent.order_id,
                     followed.intent.trading_date)  # fmt: skip
            await self._end(followed, Settlement(followed.intent, "order.expired", "Expired"))

    async def _recall_ended(self, client_id: str, trades: list[Trade]) -> None:
        """Orders of ours that ended before this process knew them, for their late fills
        (today's only: an id from another day is another order)."""
        unknown = sorted(
            {t.unique_order_id for t in trades
             if self.open.by_uid(self._key(client_id, t), t.tag)[0] is None}
        )  # fmt: skip
        if unknown:
            day = self.journal.today()
            for intent, reported in await store.intents_by_broker_ids(
                self.pool, client_id, day, unknown
            ):
                if intent.state is IntentState.DONE:
                    self.open.remember_ended(Followed(intent, set(reported)))

    def _progress(self, client_id: str) -> tuple[int, int]:
        followed = self.open.of(client_id)
        return len(followed), sum(len(f.reported) for f in followed)

    async def stop(self) -> None:
        tasks = [*self._appliers.values(), *self._reads]
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
        if self.streams is not None:
            await self.streams.close()


def _in_time(trade: Trade) -> tuple[bool, object, int]:
    number = int(trade.trade_no) if trade.trade_no.isdigit() else 0
    return (trade.time is None, trade.time, number)
