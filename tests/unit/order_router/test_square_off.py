"""The timed square-off (pure): times per segment and per client, when it is due, and the
blocks and clock rule that deny new orders while EXIT orders still pass."""

from datetime import UTC, date, datetime, time

import pytest
from common.contracts.requests import OrderRequested
from common.enums import Exchange, ExecutionType, TradeType
from common.trading_days import IST
from factories import RELIANCE, make
from order_router.orders import Order
from order_router.placement import new_order, order_request
from order_router.risk import Rule
from order_router.risk_blocks import Block, deny
from order_router.square_off import SquareOffTimes, parse_times

DAY = date(2026, 11, 30)


def at_ist(hh: int, mm: int) -> datetime:
    return datetime(2026, 11, 30, hh, mm, tzinfo=IST).astimezone(UTC)


def order(client_id: str = "c1", trade_type: TradeType = TradeType.INTRADAY,
          execution: ExecutionType = ExecutionType.BUY) -> Order:  # fmt: skip
    request = make(OrderRequested)
    parsed = order_request(request)
    assert parsed is not None
    terms = request.terms.model_copy(update={"trade_type": trade_type, "execution_type": execution})
    parsed = parsed.__class__(parsed.message, parsed.kind, parsed.batch_id, terms, parsed.orders)
    client_order = request.order.model_copy(update={"client_id": client_id})
    return new_order(parsed, client_order, RELIANCE)


def test_parse_times_overrides_defaults_and_names_a_bad_part() -> None:
    times = parse_times("NSE=15:10, MCX=23:15")
    assert times[Exchange.NSE] == time(15, 10)
    assert times[Exchange.MCX] == time(23, 15)
    assert times[Exchange.BSE] == time(15, 15)
    with pytest.raises(ValueError, match="unknown exchange 'XYZ'"):
        parse_times("XYZ=15:00")
    with pytest.raises(ValueError, match="'3pm' is not HH:MM"):
        parse_times("NSE=3pm")


def test_square_off_due_from_the_time_and_a_clients_own_time_wins() -> None:
    times = SquareOffTimes(parse_times(""), {"early": time(14, 0)})
    assert not times.due("c1", Exchange.NSE, at_ist(15, 14))
    assert times.due("c1", Exchange.NSE, at_ist(15, 15))
    assert not times.due("c1", Exchange.MCX, at_ist(15, 15))  # MCX squares off at 23:00
    assert times.due("early", Exchange.NSE, at_ist(14, 0))


def test_deny_clock_rule_denies_intraday_after_the_time_only() -> None:
    times = SquareOffTimes(parse_times(""))
    denied = deny(order(), [], times, at_ist(15, 16))
    assert denied is not None and denied.rule == Rule.SQUARE_OFF_TIME
    assert "15:15" in denied.reason
    assert deny(order(), [], times, at_ist(15, 14)) is None
    assert deny(order(trade_type=TradeType.DELIVERY), [], times, at_ist(15, 16)) is None
    assert deny(order(execution=ExecutionType.EXIT), [], times, at_ist(15, 16)) is None


def test_deny_mtm_block_denies_that_client_only_and_lets_exits_pass() -> None:
    block = Block("c1", Rule.MTM_LIMIT, DAY, "", None, "c1", "MTM stop loss hit for client c1")
    denied = deny(order("c1", TradeType.DELIVERY), [block], None, at_ist(10, 0))
    assert denied is not None and denied.rule == "mtm_limit"
    assert denied.reason == "MTM stop loss hit for client c1"
    assert deny(order("c2"), [block], None, at_ist(10, 0)) is None
    assert deny(order("c1", execution=ExecutionType.EXIT), [block], None, at_ist(10, 0)) is None


def test_deny_square_off_block_covers_its_trade_type_and_exchange_only() -> None:
    block = Block("c1", Rule.SQUARE_OFF_TIME, DAY, "NSE", TradeType.INTRADAY, "c1", "sq")
    assert deny(order(), [block], None, at_ist(10, 0)) is not None
    assert deny(order(trade_type=TradeType.DELIVERY), [block], None, at_ist(10, 0)) is None
    mcx = Block("c1", Rule.SQUARE_OFF_TIME, DAY, "MCX", TradeType.INTRADAY, "c1", "sq")
    assert deny(order(), [mcx], None, at_ist(10, 0)) is None
