"""Adapter events applied to an order: fills average, refusals leave the order as it was."""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from common.contracts.order_events import (
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderPartiallyFilled,
    OrderRejected,
)
from common.enums import ExecutionType, OrderStatus, OrderType, Side, TradeType
from factories import RELIANCE, make
from order_router.expiry import last_cutoff
from order_router.orders import Order, apply_event, cancels_asked, moved
from order_router.transitions import Ev, IllegalTransition


def order(**changes: Any) -> Order:
    base: dict[str, Any] = {
        "order_id": "o1",
        "batch_id": "b1",
        "client_id": "c1",
        "instrument": RELIANCE,
        "execution_type": ExecutionType.BUY,
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "trade_type": TradeType.INTRADAY,
        "quantity": 10,
        "price": Decimal("2500"),
        "trigger_price": None,
        "tag": None,
        "status": OrderStatus.SUBMITTED,
        "actor": "trader1",
        "correlation_id": "b1",
    }
    return Order(**{**base, **changes})


def test_order_accepted_records_broker_order_id_and_protection() -> None:
    accepted = make(OrderAccepted, broker_order_id="B-9", protected=True)
    result = apply_event(order(), accepted)
    assert result.status is OrderStatus.ACCEPTED
    assert result.broker_order_id == "B-9" and result.protected


def test_order_fills_average_price_by_quantity() -> None:
    first = make(OrderPartiallyFilled, trade_no="T1", quantity=4, price=Decimal("100"),
                 filled_quantity=4, leaves_quantity=6)  # fmt: skip
    second = make(OrderFilled, trade_no="T2", quantity=6, price=Decimal("110"),
                  filled_quantity=10, leaves_quantity=0)  # fmt: skip
    result = apply_event(apply_event(order(status=OrderStatus.ACCEPTED), first), second)
    assert result.status is OrderStatus.FILLED
    assert result.filled_quantity == 10
    assert result.average_price == Decimal("106")


def test_order_rejected_carries_broker_code_and_text() -> None:
    rejected = make(OrderRejected, error_code="100021", reason="insufficient funds")
    result = apply_event(order(), rejected)
    assert result.status is OrderStatus.REJECTED
    assert result.reason == "100021: insufficient funds"


def test_order_fill_after_cancel_counts_but_stays_canceled() -> None:
    fill = make(OrderPartiallyFilled, quantity=2, price=Decimal("100"), filled_quantity=2,
                leaves_quantity=8)  # fmt: skip
    result = apply_event(order(status=OrderStatus.CANCELED), fill)
    assert result.status is OrderStatus.CANCELED and result.filled_quantity == 2


def test_order_event_illegal_for_state_is_refused() -> None:
    with pytest.raises(IllegalTransition):
        apply_event(order(status=OrderStatus.FILLED), make(OrderCanceled, filled_quantity=10))


def test_moved_many_orders_keeps_order_and_leaves_refused_ones_out() -> None:
    working = order(order_id="o1", status=OrderStatus.ACCEPTED)
    filled = order(order_id="o2", status=OrderStatus.FILLED)
    pending = order(order_id="o3", status=OrderStatus.PENDING)
    done, refused = moved([working, filled, pending], Ev.EXPIRE)
    assert [(o.order_id, o.status) for o in done] == [
        ("o1", OrderStatus.EXPIRED),
        ("o3", OrderStatus.EXPIRED),
    ]
    assert [(o.order_id, r.status, r.event) for o, r in refused] == [
        ("o2", OrderStatus.FILLED, Ev.EXPIRE)
    ]


def test_cancels_asked_resends_pending_cancel_and_refuses_finished_orders() -> None:
    accepted = order(order_id="o1", status=OrderStatus.ACCEPTED)
    asked_before = order(order_id="o2", status=OrderStatus.PENDING_CANCEL)
    canceled = order(order_id="o3", status=OrderStatus.CANCELED)
    asked, refused = cancels_asked([accepted, asked_before, canceled])
    assert [(o.order_id, o.status) for o in asked] == [
        ("o1", OrderStatus.PENDING_CANCEL),
        ("o2", OrderStatus.PENDING_CANCEL),
    ]
    assert asked[1] is asked_before  # unchanged: its cancel command goes out again
    assert [o.order_id for o, _ in refused] == ["o3"]


def test_expiry_cutoff_is_the_last_end_of_day_in_ist() -> None:
    from datetime import time

    # 16:00 IST = 10:30 UTC, after a 15:45 IST cutoff: today's cutoff (10:15 UTC)
    assert last_cutoff(datetime(2026, 11, 23, 10, 30, tzinfo=UTC), time(15, 45)) == datetime(
        2026, 11, 23, 10, 15, tzinfo=UTC
    )
    # 09:30 IST: yesterday's cutoff
    assert last_cutoff(datetime(2026, 11, 23, 4, 0, tzinfo=UTC), time(15, 45)) == datetime(
        2026, 11, 22, 10, 15, tzinfo=UTC
    )
