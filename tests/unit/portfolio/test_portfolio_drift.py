"""Reconciliation compares net quantities per instrument and Motilal product."""

from datetime import UTC, datetime
from decimal import Decimal

from common.contracts.accounts import BrokerPosition
from common.enums import Exchange, TradeType
from portfolio.drift import (
    Drift,
    HeldQuantity,
    find_drift,
    motilal_product,
    next_drift,
    trade_type_of,
)


def broker(token: int, product: str, buy: int, sell: int, exchange: Exchange = Exchange.NSE):
    return BrokerPosition(
        token=token,
        exchange=exchange,
        product=product,
        buy_quantity=buy,
        sell_quantity=sell,
        buy_amount=Decimal(buy * 100),
        sell_amount=Decimal(sell * 100),
    )


def test_drift_matching_positions_report_nothing() -> None:
    ours = [HeldQuantity(Exchange.NSE, 1594, TradeType.INTRADAY, 10)]
    assert find_drift(ours, [broker(1594, "VALUEPLUS", 15, 5)]) == []


def test_drift_broker_changed_behind_our_back_is_reported() -> None:
    ours = [HeldQuantity(Exchange.NSE, 1594, TradeType.DELIVERY, 10)]
    assert find_drift(ours, [broker(1594, "DELIVERY", 25, 0)]) == [
        Drift(Exchange.NSE, 1594, "DELIVERY", TradeType.DELIVERY, ours=10, broker=25)
    ]


def test_drift_position_only_we_hold_is_reported_with_broker_zero() -> None:
    ours = [HeldQuantity(Exchange.NSE, 11536, TradeType.INTRADAY, -4)]
    (drift,) = find_drift(ours, [])
    assert (drift.ours, drift.broker, drift.product) == (-4, 0, "VALUEPLUS")


def test_drift_product_we_never_send_compares_with_zero() -> None:
    (drift,) = find_drift([], [broker(1594, "BTST", 7, 0)])
    assert drift.trade_type is None and drift.broker == 7 and drift.ours == 0


def test_drift_closed_broker_row_matches_our_flat_position() -> None:
    assert find_drift([], [broker(1594, "VALUEPLUS", 5, 5)]) == []


def test_drift_fo_orders_are_normal_and_intraday_plus_delivery_compare_together() -> None:
    assert motilal_product(Exchange.NSEFO, TradeType.DELIVERY) == "NORMAL"
    assert motilal_product(Exchange.NSE, TradeType.DELIVERY) == "DELIVERY"
    assert motilal_product(Exchange.NSEFO, TradeType.INTRADAY) == "NORMAL"
    assert motilal_product(Exchange.NSE, TradeType.INTRADAY) == "VALUEPLUS"
    assert trade_type_of(Exchange.NSEFO, "normal") is TradeType.DELIVERY
    assert trade_type_of(Exchange.NSE, "NORMAL") is None
    ours = [HeldQuantity(Exchange.NSEFO, 35001, TradeType.DELIVERY, 50),
            HeldQuantity(Exchange.NSEFO, 35001, TradeType.INTRADAY, 25)]  # fmt: skip
    assert find_drift(ours, [broker(35001, "NORMAL", 75, 0, Exchange.NSEFO)]) == []


def test_drift_next_counts_the_same_difference_up_and_restarts_a_changed_one() -> None:
    first, second, third = (datetime(2026, 9, 1, 4, m, tzinfo=UTC) for m in (1, 2, 3))
    seen = Drift(Exchange.NSE, 1594, "VALUEPLUS", TradeType.INTRADAY, ours=10, broker=25)
    other = Drift(Exchange.NSE, 11536, "DELIVERY", TradeType.DELIVERY, ours=0, broker=7)
    once = next_drift({}, [seen, other], first)
    twice = next_drift(once, [seen], second)
    assert [(r.token, r.snapshots_seen) for r in twice.values()] == [(1594, 2)]  # TCS agreed
    assert twice[seen_key := (Exchange.NSE, 1594, "VALUEPLUS")].first_seen_at == first
    changed = next_drift(twice, [Drift(Exchange.NSE, 1594, "VALUEPLUS", None, 10, 30)], third)
    assert changed[seen_key].snapshots_seen == 1 and changed[seen_key].first_seen_at == third
    assert changed[seen_key].last_seen_at == third
