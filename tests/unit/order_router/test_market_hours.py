"""The market-hours rule: outside the session an order is denied `market_closed` naming the
session and the next open, unless it is an AMO; switched off, it never denies."""

from dataclasses import replace
from datetime import UTC, date, datetime, time
from decimal import Decimal

import pytest
from common.contracts.instruments import Instrument
from common.enums import Exchange, TradeType
from common.trading_days import IST, TradingCalendar
from order_router.expiry import last_cutoff
from order_router.market_hours import MarketHours
from order_router.risk import (
    ClientState,
    KillSwitch,
    RiskConfig,
    Rule,
    check,
)
from risk_kit import order_intent, risk_context

RELIANCE = Instrument(
    token=2885, exchange=Exchange.NSE, symbol="RELIANCE", lot_size=1, tick_size=Decimal("0.05")
)
ORDER = order_intent(RELIANCE, Decimal("1400"), trade_type=TradeType.DELIVERY)
CTX = risk_context(
    ClientState("c1", True, frozenset(Exchange), frozenset(TradeType)), Decimal("1400")
)
CALENDAR = TradingCalendar()


def at(day: date, hh: int, mm: int) -> RiskConfig:
    moment = datetime.combine(day, time(hh, mm), IST).astimezone(UTC)
    return RiskConfig(market_hours=MarketHours(CALENDAR, clock=lambda: moment))


MONDAY, FRIDAY, SATURDAY = date(2026, 11, 30), date(2026, 11, 27), date(2026, 11, 28)


@pytest.mark.parametrize(("hh", "mm"), [(9, 15), (12, 0), (15, 29)])
def test_market_hours_order_inside_the_session_is_approved(hh: int, mm: int) -> None:
    assert check(ORDER, CTX, at(MONDAY, hh, mm)).approved


def test_market_hours_order_after_the_close_is_denied_with_session_and_next_open() -> None:
    decision = check(ORDER, CTX, at(FRIDAY, 15, 31))
    assert decision.rule == Rule.MARKET_CLOSED == "market_closed"
    assert "NSE is closed at Fri 2026-11-27 15:31 IST" in decision.reason
    assert "the NSE session 09:15-15:30 IST has ended" in decision.reason
    assert "next open Mon 2026-11-30 09:15 IST" in decision.reason
    assert "amo: true" in decision.reason


def test_market_hours_order_before_the_open_says_it_has_not_opened() -> None:
    decision = check(ORDER, CTX, at(MONDAY, 9, 14))
    assert decision.rule == Rule.MARKET_CLOSED
    assert "has not opened yet" in decision.reason
    assert "next open Mon 2026-11-30 09:15 IST" in decision.reason


def test_market_hours_order_on_a_weekend_names_the_day() -> None:
    decision = check(ORDER, CTX, at(SATURDAY, 11, 0))
    assert decision.rule == Rule.MARKET_CLOSED
    assert "no session today (Saturday)" in decision.reason


def test_market_hours_order_on_a_holiday_names_the_holiday() -> None:
    decision = check(ORDER, CTX, at(date(2026, 1, 26), 11, 0))
    assert "exchange holiday" in decision.reason
    assert "next open Tue 2026-01-27 09:15 IST" in decision.reason


def test_market_hours_amo_outside_the_session_is_approved() -> None:
    assert check(replace(ORDER, amo=True), CTX, at(FRIDAY, 18, 0)).approved


def test_market_hours_not_enforced_approves_at_any_hour() -> None:
    assert check(ORDER, CTX, RiskConfig()).approved


def test_market_hours_each_segment_uses_its_own_session() -> None:
    gold = RELIANCE.model_copy(update={"token": 234230, "exchange": Exchange.MCX})
    assert check(replace(ORDER, instrument=gold), CTX, at(MONDAY, 20, 0)).approved
    assert check(ORDER, CTX, at(MONDAY, 20, 0)).rule == Rule.MARKET_CLOSED


def test_market_hours_kill_switch_still_comes_first() -> None:
    halted = replace(CTX, kill_switch=KillSwitch(global_reason="desk halt"))
    assert check(ORDER, halted, at(SATURDAY, 11, 0)).rule == Rule.KILL_SWITCH


def trading_day(day: date) -> bool:
    return CALENDAR.session(Exchange.NSE, day) is not None


@pytest.mark.parametrize(
    ("now", "cutoff_day"),
    [
        (datetime.combine(SATURDAY, time(12, 0), IST), FRIDAY),  # an AMO of Friday evening waits
        (datetime.combine(MONDAY, time(10, 0), IST), FRIDAY),
        (datetime.combine(MONDAY, time(15, 45), IST), MONDAY),
        (datetime.combine(date(2026, 1, 27), time(10, 0), IST), date(2026, 1, 23)),  # holiday
    ],
)
def test_market_hours_expiry_cutoff_is_the_last_trading_days(
    now: datetime, cutoff_day: date
) -> None:
    cutoff = last_cutoff(now.astimezone(UTC), time(15, 45), trading_day)
    assert cutoff == datetime.combine(cutoff_day, time(15, 45), IST).astimezone(UTC)


def test_market_hours_expiry_without_a_calendar_ends_every_day() -> None:
    saturday_evening = datetime.combine(SATURDAY, time(16, 0), IST).astimezone(UTC)
    assert last_cutoff(saturday_evening, time(15, 45)).astimezone(IST).date() == SATURDAY
