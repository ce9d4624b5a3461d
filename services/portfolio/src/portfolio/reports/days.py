"""Day reports: read a stored day, compute one from the fills, and write each day's record
once after its close (the background task `run`).

The close trigger is robust by construction: each pass asks which trading date is due now
(`CloseClock.due`) and whether its record exists, so a restart after the close still writes
it, a second replica finds it written (the `day_closes` row is claimed in the same
transaction), and a clock that jumps forward writes the latest due day. The clock (`now`)
is injectable for tests.
"""

import asyncio
import logging
from collections.abc import Callable
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from common.contracts.envelope import utc_now

from portfolio import store_positions
from portfolio.live import LiveBook
from portfolio.reports import store_reports
from portfolio.reports.charges import Schedule
from portfolio.reports.closing import CloseClock
from portfolio.reports.day_report import DayReport, ReportStatus, build_report
from portfolio.store_positions import Held

log = logging.getLogger(__name__)


@dataclass(eq=False)
class DayReports:
    pool: Callable[[], asyncpg.Pool]
    book: LiveBook
    schedule: Schedule
    clock: CloseClock
    poll_seconds: float
    now: Callable[[], datetime] = utc_now

    async def read(self, day: date, *, recompute: bool = False) -> DayReport:
        """The stored record of `day` when there is one (unless `recompute`), else computed."""
        if not recompute:
            stored = await store_reports.stored_day(self.pool(), day)
            if stored is not None:
                rates = self.schedule.on(day)
                return DayReport(
                    trading_date=day,
                    status="closed",
                    written_at=stored.written_at,
                    schedule_from=stored.schedule_from,
                    schedule_source=stored.schedule_source or rates.source,
                    clients=stored.clients,
                )
        live = not self.clock.is_closed(day, self.now())
        return await self._compute(day, "live" if live else "computed")

    async def close(self, day: date) -> bool:
        """Write `day`'s record unless it exists; False when it was written before."""
        pool = self.pool()
        if await store_reports.is_stored(pool, day):
            return False
        report = await self._compute(day, "closed")
        assert report.written_at is not None
        written = await store_reports.save_day(
            pool, day, report.written_at, report.schedule_from, report.schedule_source,
            report.clients,
        )  # fmt: skip
        if written:
            log.info("day report of %s written for %d clients", day, len(report.clients))
        return written

    async def close_due(self) -> date | None:
        """One pass: write the record of the trading date due now unless it is written;
        the date written now, or None."""
        day = self.clock.due(self.now())
        if day is not None and await self.close(day):
            return day
        return None

    async def run(self) -> None:
        """Write each trading day's record once it is due; forever (cancelled at shutdown)."""
        while True:
            now = self.now()
            try:
                await self.close_due()
            except Exception:  # the database may be away for a moment: try again next pass
                log.exception("day report: writing the closed day failed; will retry")
            upcoming = self.clock.next_due_at(now)
            wait = self.poll_seconds
            if upcoming is not None:
                wait = min(wait, max(1.0, (upcoming - now).total_seconds()))
            await asyncio.sleep(wait)

    async def _compute(self, day: date, status: ReportStatus) -> DayReport:
        pool = self.pool()
        rates = self.schedule.on(day)
        held: list[Held] | None = None
        if not await store_reports.fills_after(pool, day):
            held = [self._marked(h) for h in await store_positions.active_by_clients(pool, None)]
        return build_report(
            day,
            status,
            rates,
            await store_reports.known_clients(pool, day),
            await store_reports.fills_on(pool, day),
            held,
            written_at=self.now() if status == "closed" else None,
        )

    def _marked(self, held: Held) -> Held:
        """The stored position at the latest price the live book has for its instrument."""
        p = held.position
        mark = self.book.last_price((p.key.exchange, p.key.token))
        return held if mark is None or p.net_quantity == 0 else Held(p, mark)
