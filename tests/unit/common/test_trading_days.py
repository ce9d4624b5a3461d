from datetime import UTC, date, datetime

import pytest
from common.trading_days import trading_date


def test_trading_date_after_ist_midnight_is_the_next_date() -> None:
    # 18:45 UTC is 00:15 IST the next morning
    assert trading_date(datetime(2026, 11, 30, 18, 45, tzinfo=UTC)) == date(2026, 12, 1)


def test_trading_date_during_the_session_is_the_utc_date() -> None:
    assert trading_date(datetime(2026, 11, 30, 4, 0, tzinfo=UTC)) == date(2026, 11, 30)


def test_trading_date_of_a_naive_time_is_refused() -> None:
    with pytest.raises(ValueError, match="aware"):
        trading_date(datetime(2026, 11, 30, 4, 0))
