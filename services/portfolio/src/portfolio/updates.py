"""Publishing portfolio.updates.v1: at once for fills and margins, conflated for quotes.

A fill changes a position for good, so the batch's PositionChanged and each client's
PnlChanged go out together right after the batch is committed (one `publish_many`).

A quote only re-marks open positions, in memory (`LiveBook`): nothing is written to
PostgreSQL and no PositionChanged is sent (a position's quantities and costs did not
change; its current mark is read through the API). The holders' clients become dirty, and
the flush task sends one PnlChanged per client at most once per window, only when the
client's total moved by at least a paisa since the figure it last published. The task
sleeps on an event while nothing is dirty: an idle portfolio does no work at all.
"""

import asyncio
import logging
import time
from collections.abc import Callable, Collection, Mapping
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from common.contracts.envelope import Message, utc_now
from common.ids import new_id
from common.kafka import Publisher
from common.topics import PORTFOLIO_UPDATES
from common.trading_days import IST
from prometheus_client import Counter, Gauge

from portfolio.book import Position
from portfolio.ledger import Applied, AppliedBatch
from portfolio.live import ClientPnl, Conflator, InstrumentKey, LiveBook, Loaded
from portfolio.store_positions import Held
from portfolio.views import PnlOut, pnl_changed, position_changed

log = logging.getLogger(__name__)

SERVICE_ACTOR = "portfolio"

PNL_PUBLISHED = Counter(
    "portfolio_pnl_updates_published_total",
    "PnlChanged messages published, by cause (fill: at once; quote: conflated)",
    ["cause"],
)
PNL_UNCHANGED = Counter(
    "portfolio_pnl_updates_unchanged_total",
    "Clients due after a tick whose P&L moved less than a paisa: nothing published",
)
HOLDERS_MARKED = Counter(
    "portfolio_holder_clients_marked_total",
    "Clients whose P&L a quote tick moved (the work a tick costs), in memory only",
)
OPEN_POSITIONS = Gauge("portfolio_open_positions", "Open positions held in the live book")


def _service_envelope() -> dict[str, Any]:
    return {"correlation_id": new_id(), "actor": SERVICE_ACTOR}


def seconds_to_next_day(now: datetime) -> float:
    """Seconds from `now` to the next IST midnight (a second after, so the date has moved)."""
    local = now.astimezone(IST)
    midnight = datetime.combine(local.date() + timedelta(days=1), datetime.min.time(), IST)
    return (midnight - local).total_seconds() + 1


def _pnl_out(pnl: ClientPnl, day: date) -> PnlOut:
    return PnlOut(
        realized_pnl=pnl.realized,
        unrealized_pnl=pnl.unrealized,
        total_pnl=pnl.total,
        realized_pnl_today=pnl.realized_today,
        trading_date=day,
    )


class UpdatePublisher:
    def __init__(
        self,
        book: LiveBook,
        publisher: Publisher,
        window_s: float,
        clock: Callable[[], float] = time.monotonic,
    ) -> None:
        self.book = book
        self._publisher = publisher
        self._conflator = Conflator(window_s)
        self._clock = clock
        self._wake = asyncio.Event()

    def held(self, position: Position) -> Held:
        """A position with the price it is marked at now."""
        return Held(position, self.book.price_of(position))

    def on_quotes(self, prices: Mapping[InstrumentKey, Decimal]) -> None:
        """Re-mark the holders of these instruments in memory; their clients become dirty."""
        moved = self.book.mark(prices)
        if moved:
            HOLDERS_MARKED.inc(len(moved))
            self._conflator.touch(moved)
            self._wake.set()

    async def after_fills(self, batch: AppliedBatch, fresh: Loaded | None = None) -> None:
        """Follow a COMMITTED batch in the book, then publish its updates together.

        `fresh`: the stored state of clients the batch had fills of that were applied
        before (by another replica, perhaps after this one loaded them), read after the
        batch committed; it replaces what the book held of them."""
        self.book.apply(
            batch.positions.values(),
            batch.realized_delta,
            batch.stored_prices,
            batch.realized_by_day,
        )
        if fresh is not None:
            self.book.replace(fresh)
        OPEN_POSITIONS.set(self.book.open_count)
        current = {pid: self.held(p) for pid, p in batch.positions.items()}
        for again in batch.announced_again:
            p = again.position
            current[p.position_id] = self.held(p) if p.net_quantity != 0 else again
        # Grouped by the request that caused them, each group under its last fill's envelope
        groups: dict[str, list[Applied]] = {}
        for result in batch.applied:
            groups.setdefault(result.event.correlation_id, []).append(result)
        messages: list[Message] = []
        sent: dict[str, ClientPnl] = {}
        day = self.book.day()
        for results in groups.values():
            envelope = results[-1].event.caused()
            ids = dict.fromkeys(pid for r in results for pid in r.position_ids)
            held = [current[pid] for pid in ids if pid in current]
            messages.extend(position_changed(h, envelope) for h in held)
            for client in sorted({h.position.key.client_id for h in held}):
                if not self.book.owns(client):  # its P&L is another replica's to tell
                    continue
                pnl = sent.setdefault(client, self.book.pnl(client))
                messages.append(pnl_changed(client, _pnl_out(pnl, day), envelope))
        if not messages:
            return
        now = self._clock()
        self._conflator.taken(sent)
        try:
            await self._publisher.publish_many(PORTFOLIO_UPDATES, messages)
        except Exception:
            self._conflator.touch(sent)  # still owed, as a tick's would be
            raise
        for client, pnl in sent.items():
            self._conflator.sent(client, pnl.total, now)
        PNL_PUBLISHED.labels("fill").inc(len(sent))

    async def flush(self) -> None:
        """Publish the P&L of every dirty client that is due and moved by a paisa or more."""
        now = self._clock()
        due = self._conflator.take_due(now)
        if not due:
            return
        env = _service_envelope()
        day = self.book.day()
        messages: list[Message] = []
        figures: dict[str, ClientPnl] = {}
        for client in due:
            pnl = self.book.pnl(client)
            if not self._conflator.changed(client, pnl.total):
                PNL_UNCHANGED.inc()
                continue
            figures[client] = pnl
            messages.append(pnl_changed(client, _pnl_out(pnl, day), env))
        if messages:
            try:
                await self._publisher.publish_many(PORTFOLIO_UPDATES, messages)
            except Exception:
                self._conflator.touch(figures)  # still owed: due again at once
                raise
            PNL_PUBLISHED.labels("quote").inc(len(messages))
        for client, pnl in figures.items():
            self._conflator.sent(client, pnl.total, now)

    def on_new_day(self) -> None:
        """Clients whose today's realized P&L went back to zero are owed a PnlChanged (the
        one they have says yesterday's figure), published like a tick's."""
        self.book.day()
        cleared = self.book.take_cleared()
        if cleared:
            self._conflator.forget(cleared)
            self._conflator.touch(cleared)
            self._wake.set()

    async def run(self) -> None:
        """Flush as clients fall due, for the service's lifetime; asleep while none is dirty
        but for the start of each trading date (IST midnight)."""
        while True:
            try:
                await asyncio.wait_for(self._wake.wait(), seconds_to_next_day(utc_now()))
            except TimeoutError:
                self.on_new_day()
                continue
            self.on_new_day()  # a fill may have moved the date first: its clients are owed
            wait = self._conflator.seconds_until_due(self._clock())
            if wait is None:
                self._wake.clear()
                continue
            if wait > 0:
                await asyncio.sleep(wait)
                continue
            try:
                await self.flush()
            except Exception:
                log.exception("publishing conflated P&L failed; retrying in one window")
                await asyncio.sleep(self._conflator.window)

    def hand_over(self, dropped: Collection[str], loaded: Loaded | None = None) -> None:
        """Follow a new assignment: forget the clients another replica has now, take the
        stored state of the ones this replica gained, if any (before any tick marks them)."""
        self.book.drop(dropped)
        self._conflator.drop(dropped)
        if loaded is not None:
            self._conflator.drop(loaded.clients)
            self.book.replace(loaded)
        OPEN_POSITIONS.set(self.book.open_count)
