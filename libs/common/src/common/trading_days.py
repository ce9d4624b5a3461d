"""Trading days: the exchange session a moment belongs to, and when each segment trades.

Indian exchanges run on IST; a trading date is the IST calendar date of the session.
Broker order ids and exchange trade numbers restart every session, so anything keyed by
them is keyed by the trading date too.

`TradingCalendar` says whether a segment is open at a moment and when it next opens: normal
hours per segment (MARKET_SESSIONS over `DEFAULT_SESSIONS`), the NSE's trading holidays from
the `holidays` package (its XNSE financial calendar), and data/trading-calendar.csv for what
a library cannot know (Muhurat trading, a special Saturday session, a holiday declared late).
Pure once built (`load_calendar` reads the override file once).
"""

import csv
import logging
from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass
from datetime import UTC, date, datetime, time, timedelta
from pathlib import Path
from zoneinfo import ZoneInfo

import holidays

from common.enums import Exchange

log = logging.getLogger(__name__)

IST = ZoneInfo("Asia/Kolkata")
"""India Standard Time: the exchanges' clock (UTC+05:30, no daylight saving)."""


def trading_date(now_utc: datetime) -> date:
    """The IST date of `now_utc` (an aware time): the session a broker id or trade belongs to."""
    if now_utc.tzinfo is None:
        raise ValueError("trading_date needs an aware time (UTC inside the platform)")
    return now_utc.astimezone(IST).date()


# --- the exchange calendar: sessions, holidays, overrides ----------------------------

DEFAULT_SESSIONS: Mapping[Exchange, tuple[time, time]] = {
    Exchange.NSE: (time(9, 15), time(15, 30)),
    Exchange.BSE: (time(9, 15), time(15, 30)),
    Exchange.NSEFO: (time(9, 15), time(15, 30)),
    Exchange.BSEFO: (time(9, 15), time(15, 30)),
    Exchange.NSECD: (time(9, 0), time(17, 0)),
    Exchange.MCX: (time(9, 0), time(23, 30)),
}
"""Normal hours (IST) of each segment: the cash and F&O markets of NSE and BSE 09:15-15:30;
currency 09:00-17:00; MCX 09:00-23:30 (23:55 while the US is on summer time: configure)."""

NSE_HOLIDAY_SEGMENTS = frozenset(
    {Exchange.NSE, Exchange.BSE, Exchange.NSEFO, Exchange.BSEFO, Exchange.NSECD}
)
"""Segments closed on the NSE's trading holidays. MCX keeps its own (it often trades the
evening of an NSE holiday): weekends and the override file only."""

DEFAULT_OVERRIDES = Path(__file__).resolve().parents[4] / "data" / "trading-calendar.csv"
"""The repository's override file (a checkout); an image has it at ./data (its WORKDIR)."""
_SEARCH_DAYS = 30  # no exchange closes for longer than this (next_open looks this far)


@dataclass(frozen=True)
class Session:
    """One session of one segment on one trading date; `opens` and `closes` in UTC."""

    exchange: Exchange
    day: date
    opens: datetime
    closes: datetime
    note: str = ""

    def contains(self, at: datetime) -> bool:
        return self.opens <= at < self.closes

    def describe(self) -> str:
        """`NSE session 09:15-15:30 IST` as an operator reads it."""
        hours = f"{self.opens.astimezone(IST):%H:%M}-{self.closes.astimezone(IST):%H:%M} IST"
        extra = f" ({self.note})" if self.note else ""
        return f"{self.exchange} session {hours}{extra}"


@dataclass(frozen=True)
class Override:
    """One row of the override file: a segment closed on a day, or a session of its own
    (a special session on a holiday or weekend, or other hours on a normal day)."""

    day: date
    exchanges: frozenset[Exchange]
    hours: tuple[time, time] | None  # None: closed all day
    note: str = ""


class CalendarFileError(ValueError):
    """The override file has a row we cannot read: says which line and why."""


def parse_overrides(text: str, source: str = "data/trading-calendar.csv") -> list[Override]:
    """Rows `date,exchanges,kind,open,close,note`; `kind` is `closed` or `session`,
    `exchanges` is `*` or names joined by `;`. Blank lines and `#` comments are skipped."""
    numbered = enumerate(text.splitlines(), 1)
    rows = [(n, line) for n, line in numbered if line.strip() and not line.lstrip().startswith("#")]
    if not rows:
        return []
    header, *body = rows
    reader = csv.DictReader([line for _, line in rows])
    if reader.fieldnames != list(_OVERRIDE_COLUMNS):
        raise CalendarFileError(
            f"{source} line {header[0]}: header must be {','.join(_OVERRIDE_COLUMNS)}"
        )
    return [_override(row, source, n) for (n, _), row in zip(body, reader, strict=True)]


_OVERRIDE_COLUMNS = ("date", "exchanges", "kind", "open", "close", "note")


def _override(row: Mapping[str | None, str | None], source: str, line: int) -> Override:
    where = f"{source} line {line}"
    if None in row or any(row.get(c) is None for c in _OVERRIDE_COLUMNS):
        raise CalendarFileError(f"{where}: write 6 columns: {','.join(_OVERRIDE_COLUMNS)}")
    cell = {c: (row[c] or "").strip() for c in _OVERRIDE_COLUMNS}
    try:
        day = date.fromisoformat(cell["date"])
    except ValueError:
        raise CalendarFileError(f"{where}: date {cell['date']!r} is not YYYY-MM-DD") from None
    raw = cell["exchanges"]
    try:
        names = list(Exchange) if raw == "*" else [Exchange(x.strip()) for x in raw.split(";")]
    except ValueError:
        known = ", ".join(Exchange)
        raise CalendarFileError(f"{where}: exchanges {raw!r}: use * or ;-joined {known}") from None
    kind, note = cell["kind"], cell["note"]
    if kind == "closed":
        return Override(day, frozenset(names), None, note)
    if kind != "session":
        raise CalendarFileError(f"{where}: kind {kind!r} must be closed or session")
    try:
        hours = (time.fromisoformat(cell["open"]), time.fromisoformat(cell["close"]))
    except ValueError:
        raise CalendarFileError(f"{where}: open and close must be HH:MM (IST)") from None
    if hours[0] >= hours[1]:
        raise CalendarFileError(f"{where}: open {hours[0]} is not before close {hours[1]}")
    return Override(day, frozenset(names), hours, note)


def parse_sessions(spec: str) -> dict[Exchange, tuple[time, time]]:
    """`MCX=09:00-23:55,NSECD=09:00-17:00` (IST) as a mapping; empty text, no change."""
    sessions: dict[Exchange, tuple[time, time]] = {}
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        try:
            name, hours = part.split("=")
            start, end = (time.fromisoformat(t.strip()) for t in hours.split("-"))
            exchange = Exchange(name.strip())
        except ValueError:
            raise ValueError(
                f"market session {part!r}: write EXCHANGE=HH:MM-HH:MM, e.g. MCX=09:00-23:55"
            ) from None
        if start >= end:
            raise ValueError(f"market session {part!r}: the open is not before the close")
        sessions[exchange] = (start, end)
    return sessions


class TradingCalendar:
    """When each segment trades: normal hours on weekdays that are not exchange holidays
    (the `holidays` package's NSE financial calendar, XNSE), with the override file's
    closed days and special sessions on top. Pure once built; times in and out are UTC."""

    def __init__(
        self,
        sessions: Mapping[Exchange, tuple[time, time]] | None = None,
        overrides: Iterable[Override] = (),
        exchange_holidays: Callable[[date], bool] | None = None,
    ) -> None:
        self._sessions = {**DEFAULT_SESSIONS, **(sessions or {})}
        self._overrides: dict[tuple[date, Exchange], Override] = {}
        for o in overrides:
            for exchange in o.exchanges:
                self._overrides[(o.day, exchange)] = o
        self._is_holiday = exchange_holidays or _nse_holidays()

    def holiday_name(self, exchange: Exchange, day: date) -> str | None:
        """Why the segment does not trade its normal hours on `day`, or None if it does."""
        override = self._overrides.get((day, exchange))
        if override is not None:
            return None if override.hours else (override.note or "closed (override)")
        if day.weekday() >= 5:
            return day.strftime("%A")
        if exchange in NSE_HOLIDAY_SEGMENTS and self._is_holiday(day):
            return "an exchange holiday"
        return None

    def session(self, exchange: Exchange, day: date) -> Session | None:
        """The segment's session on `day` (an IST date), or None when it does not trade."""
        override = self._overrides.get((day, exchange))
        if override is not None:
            if override.hours is None:
                return None
            return _session(exchange, day, override.hours, override.note)
        if self.holiday_name(exchange, day) is not None:
            return None
        return _session(exchange, day, self._sessions[exchange])

    def is_open(self, exchange: Exchange, at: datetime) -> bool:
        """True while `at` (aware) falls inside the segment's session of its IST date."""
        found = self.session(exchange, at.astimezone(IST).date())
        return found is not None and found.contains(at)

    def next_open(self, exchange: Exchange, at: datetime) -> Session:
        """The first session that opens at or after `at` (the one in progress does not count)."""
        day = at.astimezone(IST).date()
        for offset in range(_SEARCH_DAYS + 1):
            found = self.session(exchange, day + timedelta(days=offset))
            if found is not None and found.opens >= at:
                return found
        raise LookupError(f"{exchange} has no session in the {_SEARCH_DAYS} days after {at}")

    def last_session(self, exchange: Exchange, at: datetime) -> Session | None:
        """The session in progress at `at` or the latest one before it (within the window)."""
        day = at.astimezone(IST).date()
        for offset in range(_SEARCH_DAYS + 1):
            found = self.session(exchange, day - timedelta(days=offset))
            if found is not None and found.opens <= at:
                return found
        return None


def _session(exchange: Exchange, day: date, hours: tuple[time, time], note: str = "") -> Session:
    opens = datetime.combine(day, hours[0], IST).astimezone(UTC)
    closes = datetime.combine(day, hours[1], IST).astimezone(UTC)
    return Session(exchange, day, opens, closes, note)


def _nse_holidays() -> Callable[[date], bool]:
    calendar = holidays.financial_holidays("XNSE")  # years are filled in as they are asked
    return lambda day: day in calendar


def load_calendar(path: Path | None = None, sessions: str = "") -> TradingCalendar:
    """The calendar with the override file at `path` (default: data/trading-calendar.csv,
    none when that file is absent) and `sessions` (MARKET_SESSIONS) over the normal hours."""
    if path is None:
        found = [f for f in (DEFAULT_OVERRIDES, Path("data/trading-calendar.csv")) if f.exists()]
        if not found:
            log.warning("no data/trading-calendar.csv: no special sessions or extra holidays")
            return TradingCalendar(parse_sessions(sessions))
        path = found[0]
    return TradingCalendar(parse_sessions(sessions), parse_overrides(path.read_text(), str(path)))
