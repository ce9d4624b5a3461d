"""Freeze-quantity slicing: how an order is cut, and how its parent shows its slices as one."""

from dataclasses import replace
from decimal import Decimal
from typing import Any

from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderAccepted, OrderFilled, OrderRejected
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType
from factories import make
from order_router.orders import Order, apply_event
from order_router.slices import aggregate, cut, resize, slice_id, slice_sizes
from order_router.transitions import parent_status

S = OrderStatus
NIFTY_FUT = Instrument(token=62151, exchange=Exchange.NSEFO, symbol="NIFTY26DECFUT",
                       lot_size=65, tick_size=Decimal("0.10"), freeze_quantity=1800)  # fmt: skip
MOST = 1755  # 27 lots of 65: the most shares under the 1800 freeze


def order(**changes: Any) -> Order:
    base: dict[str, Any] = {
        "order_id": "parent1", "batch_id": "b1", "client_id": "c1", "instrument": NIFTY_FUT,
        "execution_type": ExecutionType.BUY, "side": Side.BUY, "order_type": OrderType.LIMIT,
        "trade_type": TradeType.INTRADAY, "quantity": 3 * MOST, "price": Decimal("26000"),
        "trigger_price": None, "tag": None, "status": S.SUBMITTED, "actor": "t",
        "correlation_id": "b1",
    }  # fmt: skip
    return Order(**{**base, **changes})


def test_slice_sizes_at_most_the_freeze_in_whole_lots_the_last_takes_the_rest() -> None:
    assert slice_sizes(3 * MOST, 65, 1800) == [MOST, MOST, MOST]
    assert slice_sizes(MOST + 130, 65, 1800) == [MOST, 130]
    assert slice_sizes(1800, 50, 1800) == [1800]  # exactly the freeze: one order
    assert slice_sizes(5000, 65, None) == [5000]  # no freeze known
    assert slice_sizes(500, 100, 50) == [500]  # freeze below a lot: the broker judges it


def test_cut_order_above_freeze_makes_parent_and_slices_with_stable_ids() -> None:
    parent, *slices = cut(order())
    assert parent.slice_count == 3 and parent.quantity == 3 * MOST
    assert [s.quantity for s in slices] == [MOST] * 3
    assert [s.order_id for s in slices] == [slice_id("parent1", n) for n in (1, 2, 3)]
    assert all(s.parent_order_id == "parent1" and s.slice_count == 0 for s in slices)
    assert all(s.status is S.SUBMITTED for s in slices)
    again = cut(order())[1:]  # a redelivered request makes the same slices
    assert [(s.order_id, s.quantity) for s in again] == [(s.order_id, s.quantity) for s in slices]


def test_cut_leaves_small_denied_and_exit_orders_as_they_are() -> None:
    small = order(quantity=MOST)
    assert cut(small) == [small]
    denied = order(status=S.DENIED)
    assert cut(denied) == [denied]
    exit_order = order(execution_type=ExecutionType.EXIT, side=Side.SELL, quantity=2 * MOST)
    assert len(cut(exit_order)) == 3  # exits are cut too


def fill(piece: Order, price: str) -> Order:
    accepted = apply_event(piece, make(OrderAccepted, order_id=piece.order_id))
    filled = make(OrderFilled, order_id=piece.order_id, trade_no=piece.order_id,
                  quantity=piece.quantity, price=Decimal(price),
                  filled_quantity=piece.quantity, leaves_quantity=0)  # fmt: skip
    return apply_event(accepted, filled)


def test_aggregate_parent_fills_as_one_with_the_average_price() -> None:
    parent, *slices = cut(order())
    done = [fill(slices[0], "26000"), fill(slices[1], "26001"), fill(slices[2], "26002")]
    made = aggregate(parent, done)
    assert made.status is S.FILLED
    assert made.filled_quantity == 3 * MOST and made.average_price == Decimal("26001")
    partly = aggregate(parent, [done[0], slices[1], slices[2]])
    assert partly.status is S.PARTIALLY_FILLED and partly.filled_quantity == MOST


def test_aggregate_rejected_slice_leaves_others_and_names_its_reason() -> None:
    parent, *slices = cut(order())
    rejected = apply_event(slices[1], make(OrderRejected, order_id=slices[1].order_id,
                                           error_code="MO1050", reason="freeze"))  # fmt: skip
    made = aggregate(parent, [fill(slices[0], "26000"), rejected, fill(slices[2], "26000")])
    assert made.status is S.PARTIALLY_FILLED
    assert made.reason == "slice 2 of 3 REJECTED: MO1050: freeze"
    every = [
        apply_event(s, make(OrderRejected, order_id=s.order_id, error_code="MO5", reason="no"))
        for s in slices
    ]
    assert aggregate(parent, every).status is S.REJECTED


def test_parent_status_follows_the_slices() -> None:
    assert parent_status([S.SUBMITTED, S.SUBMITTED], 0, 10) is S.SUBMITTED
    assert parent_status([S.ACCEPTED, S.SUBMITTED], 0, 10) is S.ACCEPTED
    assert parent_status([S.PENDING, S.PENDING], 0, 10) is S.PENDING  # a held basket leg
    assert parent_status([S.FILLED, S.PENDING_CANCEL], 5, 10) is S.PENDING_CANCEL
    assert parent_status([S.FILLED, S.CANCELED], 5, 10) is S.CANCELED
    assert parent_status([S.FILLED, S.EXPIRED], 5, 10) is S.EXPIRED
    assert parent_status([S.FILLED, S.FILLED], 10, 10) is S.FILLED
    assert parent_status([S.DENIED, S.DENIED], 0, 10) is S.DENIED


def test_resize_takes_a_reduction_from_the_last_working_slices() -> None:
    parent, *slices = cut(order())
    working = [fill(slices[0], "1"), *(replace(s, status=S.ACCEPTED) for s in slices[1:])]
    parent = aggregate(parent, working)
    assert resize(parent, working, 3 * MOST - 130) == {slices[2].order_id: MOST - 130}
    assert resize(parent, working, MOST + 65) == {slices[2].order_id: 0,
                                                 slices[1].order_id: 65}  # fmt: skip
    assert "cannot grow" in str(resize(parent, working, 4 * MOST))
    assert "below the 1755 already filled" in str(resize(parent, working, 65))
