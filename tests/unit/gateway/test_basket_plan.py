"""A basket's sending order: legs that reduce margin (a bought option) before those that use it."""

from decimal import Decimal

import pytest
from common.contracts.instruments import Instrument
from common.enums import Exchange, ExecutionType
from gateway.basket_models import BasketIn
from gateway.basket_plan import is_option, margin_rank, sending_order
from pydantic import ValidationError

BUY, SELL = ExecutionType.BUY, ExecutionType.SELL


def instrument(symbol: str, exchange: Exchange = Exchange.NSEFO) -> Instrument:
    return Instrument(token=1, exchange=exchange, symbol=symbol, lot_size=65,
                      tick_size=Decimal("0.05"))  # fmt: skip


CALL, PUT = instrument("NIFTY26DEC26000CE"), instrument("NIFTY26DEC25000PE")
FUT, CASH = instrument("NIFTY26DECFUT"), instrument("RELIANCE", Exchange.NSE)


def test_is_option_by_the_right_at_the_end_of_a_derivative_symbol() -> None:
    assert is_option(CALL) and is_option(PUT)
    assert not is_option(FUT) and not is_option(instrument("RELIANCE", Exchange.NSE))
    assert not is_option(instrument("INDUSINDBKPE", Exchange.NSE))  # a cash symbol ending PE


def test_sending_order_hedge_buys_first_short_options_last_else_as_asked() -> None:
    assert margin_rank(BUY, CALL) == 0 and margin_rank(SELL, CALL) == 2
    assert margin_rank(SELL, FUT) == margin_rank(BUY, CASH) == 1
    # a bull call spread asked sell first: the bought call goes out first
    assert sending_order([(SELL, CALL), (BUY, CALL)]) == [1, 0]
    # an iron condor: both wings (bought) before both shorts, each pair as asked
    condor = [(SELL, PUT), (BUY, PUT), (SELL, CALL), (BUY, CALL)]
    assert sending_order(condor) == [1, 3, 0, 2]
    assert sending_order([(SELL, FUT), (BUY, FUT)]) == [0, 1]  # a calendar: as asked


def test_basket_body_needs_one_audience_and_each_leg_one_sizing() -> None:
    leg = {"token_id": 62161, "execution_type": "BUY", "order_type": "MARKET",
           "trade_type": "INTRADAY", "quantity": 65}  # fmt: skip
    assert BasketIn(client_ids=["A"], legs=[leg]).stop_on_first_leg_rejection
    with pytest.raises(ValidationError, match="either group or client_ids"):
        BasketIn(group="g", client_ids=["A"], legs=[leg])
    with pytest.raises(ValidationError, match="either quantity or allocation"):
        BasketIn(client_ids=["A"], legs=[{**leg, "allocation": {"mode": "fixed", "quantity": 65}}])
    with pytest.raises(ValidationError, match="a BUY or a SELL"):
        BasketIn(client_ids=["A"], legs=[{**leg, "execution_type": "EXIT"}])
