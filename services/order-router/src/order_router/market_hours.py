"""The market-hours rule (`market_closed`): an order outside its segment's session is denied
unless the operator asked for an after-market order (AMO), which Motilal queues for the
next open. Pure: the calendar and the clock are given.

Switched off with MARKET_HOURS_ENFORCED=false (the embedded `make run` and test stack do
this, so they work at any hour); production keeps the default, on.
"""

from collections.abc import Callable
from dataclasses import dataclass
from datetime import datetime

from common.contracts.envelope import utc_now
from common.enums import Exchange
from common.trading_days import IST, TradingCalendar


@dataclass(frozen=True)
class MarketHours:
    calendar: TradingCalendar
    clock: Callable[[], datetime] = utc_now

    def closed_reason(self, exchange: Exchange, amo: bool) -> str | None:
        """Why an order on `exchange` may not go now, or None when it may (open, or AMO)."""
        if amo:
            return None
        now = self.clock()
        if self.calendar.is_open(exchange, now):
            return None
        return closed_reason(self.calendar, exchange, now)


def closed_reason(calendar: TradingCalendar, exchange: Exchange, now: datetime) -> str:
    """`NSE is closed at ...: the NSE session 09:15-15:30 IST ended; next open ...`."""
    local = now.astimezone(IST)
    day = local.date()
    today = calendar.session(exchange, day)
    if today is None:
        why = f"no session today ({calendar.holiday_name(exchange, day) or 'closed'})"
    elif now < today.opens:
        why = f"the {today.describe()} has not opened yet"
    else:
        why = f"the {today.describe()} has ended"
    try:
        upcoming = calendar.next_open(exchange, now)
        nxt = f"next open {upcoming.opens.astimezone(IST):%a %Y-%m-%d %H:%M} IST"
    except LookupError:
        nxt = "no session in the calendar's next 30 days"
    return (
        f"{exchange} is closed at {local:%a %Y-%m-%d %H:%M} IST: {why}; {nxt}. "
        "Send it as an after-market order (amo: true) to queue it for the open"
    )
