"""The exchange calendar: NSE holidays from the `holidays` package, weekends, session edges
in IST, the next open, and the override file's special sessions and extra holidays."""

from datetime import UTC, date, datetime, time, timedelta

import pytest
from common.enums import Exchange
from common.trading_days import (
    DEFAULT_OVERRIDES,
    IST,
    CalendarFileError,
    Override,
    TradingCalendar,
    load_calendar,
    parse_overrides,
    parse_sessions,
)

CALENDAR = TradingCalendar()
MONDAY = date(2026, 11, 30)  # an ordinary trading Monday
FRIDAY = date(2026, 11, 27)
REPUBLIC_DAY = date(2026, 1, 26)  # a Monday, an NSE trading holiday


def ist(day: date, hh: int, mm: int) -> datetime:
    return datetime.combine(day, time(hh, mm), IST).astimezone(UTC)


@pytest.mark.parametrize(
    ("hh", "mm", "open_"),
    [(9, 14, False), (9, 15, True), (15, 29, True), (15, 30, False), (15, 31, False)],
)
def test_calendar_nse_session_edges_in_ist(hh: int, mm: int, open_: bool) -> None:
    for segment in (Exchange.NSE, Exchange.BSE, Exchange.NSEFO, Exchange.BSEFO):
        assert CALENDAR.is_open(segment, ist(MONDAY, hh, mm)) is open_


def test_calendar_known_nse_holiday_is_closed_all_day() -> None:
    assert not CALENDAR.is_open(Exchange.NSE, ist(REPUBLIC_DAY, 11, 0))
    assert CALENDAR.session(Exchange.NSEFO, REPUBLIC_DAY) is None
    assert CALENDAR.holiday_name(Exchange.NSE, REPUBLIC_DAY) == "an exchange holiday"


def test_calendar_weekend_is_closed() -> None:
    saturday = date(2026, 11, 28)
    assert not CALENDAR.is_open(Exchange.NSE, ist(saturday, 11, 0))
    assert CALENDAR.holiday_name(Exchange.NSE, saturday) == "Saturday"


def test_calendar_next_open_after_friday_close_is_monday_morning() -> None:
    upcoming = CALENDAR.next_open(Exchange.NSE, ist(FRIDAY, 15, 31))
    assert upcoming.opens == ist(MONDAY, 9, 15)
    assert upcoming.day == MONDAY


def test_calendar_next_open_skips_a_holiday_after_the_weekend() -> None:
    upcoming = CALENDAR.next_open(Exchange.NSE, ist(date(2026, 1, 23), 16, 0))
    assert upcoming.day == date(2026, 1, 27)  # Monday the 26th is Republic Day


def test_calendar_next_open_before_the_bell_is_the_same_morning() -> None:
    assert CALENDAR.next_open(Exchange.NSE, ist(MONDAY, 9, 14)).opens == ist(MONDAY, 9, 15)


def test_calendar_next_open_during_the_session_is_the_next_day() -> None:
    assert CALENDAR.next_open(Exchange.NSE, ist(MONDAY, 10, 0)).day == date(2026, 12, 1)


def test_calendar_other_segments_keep_their_own_hours() -> None:
    assert CALENDAR.is_open(Exchange.NSECD, ist(MONDAY, 16, 30))
    assert CALENDAR.is_open(Exchange.MCX, ist(MONDAY, 21, 0))
    assert not CALENDAR.is_open(Exchange.MCX, ist(MONDAY, 23, 45))
    # MCX is not closed by an NSE holiday (it keeps its own, through the override file)
    assert CALENDAR.is_open(Exchange.MCX, ist(REPUBLIC_DAY, 18, 0))


def test_calendar_configured_sessions_replace_the_defaults() -> None:
    calendar = TradingCalendar(parse_sessions("MCX=09:00-23:55"))
    assert calendar.is_open(Exchange.MCX, ist(MONDAY, 23, 45))
    assert calendar.is_open(Exchange.NSE, ist(MONDAY, 9, 15))


def test_calendar_special_session_on_a_saturday_and_an_extra_holiday() -> None:
    saturday, monday = date(2026, 11, 28), MONDAY
    calendar = TradingCalendar(
        overrides=[
            Override(saturday, frozenset({Exchange.NSE}), (time(9, 15), time(10, 0)), "DR drill"),
            Override(monday, frozenset(Exchange), None, "declared holiday"),
        ]
    )
    assert calendar.is_open(Exchange.NSE, ist(saturday, 9, 30))
    assert not calendar.is_open(Exchange.NSE, ist(saturday, 10, 0))
    assert not calendar.is_open(Exchange.BSE, ist(saturday, 9, 30))  # only NSE was listed
    assert calendar.next_open(Exchange.NSE, ist(FRIDAY, 16, 0)).day == saturday
    assert calendar.holiday_name(Exchange.MCX, monday) == "declared holiday"
    assert calendar.next_open(Exchange.NSE, ist(saturday, 11, 0)).day == date(2026, 12, 1)


def test_calendar_override_file_opens_muhurat_trading_on_a_holiday() -> None:
    calendar = load_calendar()
    muhurat = date(2025, 10, 21)  # Diwali Laxmi Pujan: an NSE holiday with a one-hour session
    assert not CALENDAR.is_open(Exchange.NSE, ist(muhurat, 14, 0))
    assert calendar.is_open(Exchange.NSE, ist(muhurat, 14, 0))
    assert not calendar.is_open(Exchange.NSE, ist(muhurat, 10, 0))
    session = calendar.session(Exchange.NSE, muhurat)
    assert session is not None and "Muhurat" in session.describe()


def test_calendar_the_shipped_override_file_parses() -> None:
    rows = parse_overrides(DEFAULT_OVERRIDES.read_text())
    assert rows and all(r.exchanges for r in rows)


@pytest.mark.parametrize(
    ("row", "words"),
    [
        ("2026-13-01,NSE,closed,,,x", "line 3: date '2026-13-01' is not YYYY-MM-DD"),
        ("2026-12-01,NYSE,closed,,,x", "line 3: exchanges 'NYSE'"),
        ("2026-12-01,NSE,open,,,x", "line 3: kind 'open' must be closed or session"),
        ("2026-12-01,NSE,session,9.15,15:30,x", "line 3: open and close must be HH:MM"),
        ("2026-12-01,NSE,session,15:30,09:15,x", "line 3: open 15:30:00 is not before close"),
        ("2026-12-01,NSE", "line 3: write 6 columns"),
        ("2026-12-01,NSE,closed,,,x,extra", "line 3: write 6 columns"),
    ],
)
def test_calendar_bad_override_row_names_its_line(row: str, words: str) -> None:
    text = f"# comment\ndate,exchanges,kind,open,close,note\n{row}\n"
    with pytest.raises(CalendarFileError, match=words.replace("(", r"\(")):
        parse_overrides(text, "cal.csv")


def test_calendar_bad_session_setting_says_how_to_write_it() -> None:
    with pytest.raises(ValueError, match="EXCHANGE=HH:MM-HH:MM"):
        parse_sessions("MCX 09:00 to 23:55")


def test_calendar_a_long_closure_is_reported_not_looped_over() -> None:
    day = MONDAY
    shut = [Override(day + timedelta(days=i), frozenset(Exchange), None) for i in range(40)]
    with pytest.raises(LookupError, match="no session"):
        TradingCalendar(overrides=shut).next_open(Exchange.NSE, ist(day, 8, 0))


def test_calendar_override_file_with_a_wrong_header_says_the_right_one() -> None:
    with pytest.raises(CalendarFileError, match="line 1: header must be date,exchanges,kind"):
        parse_overrides("day,exchanges,kind,open,close,note\n", "cal.csv")
