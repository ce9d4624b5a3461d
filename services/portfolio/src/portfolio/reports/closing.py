"""When a trading day is closed for the day-end report (pure, no I/O).

A trading date is closed once the last of the chosen segments (by default the NSE and BSE
cash and F&O markets) has closed on it and `delay` has passed (late trade confirmations and
the order-router's end-of-day expiry settle in that time). Days on which none of those
segments trades (weekends, exchange holidays) have no report to close. Times are UTC.
"""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime, timedelta

from common.enums import Exchange
from common.trading_days import IST, TradingCalendar

_LOOK_BACK_DAYS = 30  # no exchange closes for longer than this


@dataclass(frozen=True)
class CloseClock:
    calendar: TradingCalendar
    exchanges: Sequence[Exchange]
    delay: timedelta

    def closes_at(self, day: date) -> datetime | None:
        """When `day`'s report is due (last close + delay), None when nothing trades then."""
        closes = [s.closes for x in self.exchanges if (s := self.calendar.session(x, day))]
        return max(closes) + self.delay if closes else None

    def due(self, now: datetime) -> date | None:
        """The latest trading date whose report is due at `now`."""
        today = now.astimezone(IST).date()
        for offset in range(_LOOK_BACK_DAYS + 1):
            day = today - timedelta(days=offset)
            at = self.closes_at(day)
            if at is not None and at <= now:
                return day
        return None

    def is_closed(self, day: date, now: datetime) -> bool:
        """True once `day`'s report is due (a day nothing traded on counts as closed)."""
        at = self.closes_at(day)
        if at is None:
            return day < now.astimezone(IST).date()
        return at <= now

    def next_due_at(self, now: datetime) -> datetime | None:
        """The first moment after `now` at which another day's report falls due."""
        today = now.astimezone(IST).date()
        for offset in range(_LOOK_BACK_DAYS + 1):
            at = self.closes_at(today + timedelta(days=offset))
            if at is not None and at > now:
                return at
        return None
