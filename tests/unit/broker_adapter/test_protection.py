from decimal import Decimal

import pytest
from broker_adapter.execution.protection import (
    NoReferencePrice,
    protected_price,
    round_to_tick,
    terms_to_send,
)
from common.enums import OrderType, Side

TICK = Decimal("0.05")


def test_protected_price_buy_is_above_ltp_rounded_up_to_tick() -> None:
    # 1000 * 1.005 = 1005.00 exactly; 1001.30 * 1.005 = 1006.3065 -> up to 1006.35
    assert protected_price(Decimal("1000"), Side.BUY, TICK, Decimal("0.5")) == Decimal("1005.00")
    assert protected_price(Decimal("1001.30"), Side.BUY, TICK, Decimal("0.5")) == Decimal("1006.35")


def test_protected_price_sell_is_below_ltp_rounded_down_to_tick() -> None:
    # 1001.30 * 0.995 = 996.2935 -> down to 996.25
    assert protected_price(Decimal("1001.30"), Side.SELL, TICK, Decimal("0.5")) == Decimal("996.25")


def test_protected_price_result_is_always_on_tick() -> None:
    for ltp in ("17.35", "123.45", "2999.95", "0.10"):
        for side in Side:
            price = protected_price(Decimal(ltp), side, TICK, Decimal("0.73"))
            assert price % TICK == 0
            assert (price >= Decimal(ltp)) if side is Side.BUY else (price <= Decimal(ltp))


def test_round_to_tick_never_below_one_tick() -> None:
    assert round_to_tick(Decimal("0.01"), TICK, up=False) == TICK


def test_terms_market_buy_becomes_protected_limit() -> None:
    terms = terms_to_send(
        OrderType.MARKET, Side.BUY, TICK, price=None, trigger_price=None,
        ltp=Decimal("500"), percent=Decimal("1"),
    )  # fmt: skip
    assert terms.order_type is OrderType.LIMIT
    assert terms.price == Decimal("505.00")
    assert terms.protected


def test_terms_stoploss_market_sell_becomes_stoploss_with_protected_limit() -> None:
    terms = terms_to_send(
        OrderType.STOPLOSS_MARKET, Side.SELL, TICK, price=None,
        trigger_price=Decimal("200"), ltp=None, percent=Decimal("1"),
    )  # fmt: skip
    assert terms.order_type is OrderType.STOPLOSS
    assert terms.trigger_price == Decimal("200")
    assert terms.price == Decimal("198.00")
    assert terms.protected


def test_terms_limit_is_sent_unchanged() -> None:
    terms = terms_to_send(
        OrderType.LIMIT, Side.SELL, TICK, price=Decimal("10.05"), trigger_price=None,
        ltp=None, percent=Decimal("1"),
    )  # fmt: skip
    assert (terms.order_type, terms.price, terms.protected) == (
        OrderType.LIMIT, Decimal("10.05"), False,
    )  # fmt: skip


def test_terms_market_without_ltp_raises() -> None:
    with pytest.raises(NoReferencePrice):
        terms_to_send(
            OrderType.MARKET, Side.BUY, TICK, price=None, trigger_price=None, ltp=None,
            percent=Decimal("1"),
        )  # fmt: skip
