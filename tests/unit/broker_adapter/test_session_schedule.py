"""The daily re-login time: after the 06:00 IST expiry, before the market opens."""

from datetime import UTC, datetime, time

from broker_adapter.sessions.schedule import IST, next_run


def test_next_run_later_today_when_before_the_time() -> None:
    now = datetime(2026, 11, 24, 7, 0, tzinfo=IST)
    assert next_run(now, time(8, 30)) == datetime(2026, 11, 24, 8, 30, tzinfo=IST)


def test_next_run_tomorrow_when_past_the_time() -> None:
    now = datetime(2026, 11, 24, 8, 30, tzinfo=IST)
    assert next_run(now, time(8, 30)) == datetime(2026, 11, 25, 8, 30, tzinfo=IST)


def test_next_run_is_utc_for_an_utc_clock() -> None:
    now = datetime(2026, 11, 24, 0, 0, tzinfo=UTC)  # 05:30 IST
    due = next_run(now, time(8, 30))
    assert due.tzinfo is UTC
    assert due == datetime(2026, 11, 24, 3, 0, tzinfo=UTC)
