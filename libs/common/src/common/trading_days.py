"""Trading days: the exchange session a moment belongs to (pure, no I/O).

Indian exchanges run on IST; a trading date is the IST calendar date of the session.
Broker order ids and exchange trade numbers restart every session, so anything keyed by
them is keyed by the trading date too.
"""

from datetime import date, datetime
from zoneinfo import ZoneInfo

IST = ZoneInfo("Asia/Kolkata")
"""India Standard Time: the exchanges' clock (UTC+05:30, no daylight saving)."""


def trading_date(now_utc: datetime) -> date:
    """The IST date of `now_utc` (an aware time): the session a broker id or trade belongs to."""
    if now_utc.tzinfo is None:
        raise ValueError("trading_date needs an aware time (UTC inside the platform)")
    return now_utc.astimezone(IST).date()
