"""Basket legs in the router: numbered per client, later legs held behind the first."""

from typing import Any

from common.contracts.requests import BasketLeg, BasketRequested, ClientOrder, OrderTerms
from common.enums import ExecutionType, OrderStatus, OrderType, Side, TradeType
from factories import RELIANCE
from order_router.baskets import FIRST_LEG_RULE, first_leg_outcome, number_legs, released
from order_router.orders import Order
from order_router.placement import order_requests
from order_router.shaping import shaped

S = OrderStatus


def order(order_id: str, client: str, status: S = S.SUBMITTED, **more: Any) -> Order:
    return Order(order_id=order_id, batch_id="b", client_id=client, instrument=RELIANCE,
                 execution_type=ExecutionType.BUY, side=Side.BUY, order_type=OrderType.MARKET,
                 trade_type=TradeType.INTRADAY, quantity=1, price=None, trigger_price=None,
                 tag=None, status=status, actor="t", correlation_id="b", **more)  # fmt: skip


def basket(stop: bool = True) -> BasketRequested:
    terms = OrderTerms(token_id=2885, execution_type=ExecutionType.BUY,
                       order_type=OrderType.MARKET, trade_type=TradeType.INTRADAY)  # fmt: skip
    legs = (
        BasketLeg(terms=terms, orders=(ClientOrder(order_id="h1", client_id="A", quantity=1),
                                       ClientOrder(order_id="h2", client_id="B", quantity=1))),
        BasketLeg(terms=terms, orders=(ClientOrder(order_id="s1", client_id="A", quantity=1),
                                       ClientOrder(order_id="s2", client_id="B", quantity=1))),
    )  # fmt: skip
    return BasketRequested(correlation_id="b", actor="t", batch_id="b", legs=legs,
                           stop_on_first_leg_rejection=stop)  # fmt: skip


def test_number_legs_per_client_skipping_legs_a_client_has_no_quantity_in() -> None:
    legs = [[order("a1", "A")], [order("a2", "A"), order("b2", "B")], [order("b3", "B")]]
    assert number_legs(legs, wait=True) == {
        "a1": (1, None), "a2": (2, "a1"), "b2": (1, None), "b3": (2, "b2"),
    }  # fmt: skip
    assert number_legs(legs, wait=False)["a2"] == (2, None)


def test_shaped_basket_holds_later_legs_and_stops_them_when_the_first_is_denied() -> None:
    requests = order_requests(basket())
    assert [r.leg for r in requests] == [1, 2]
    decided = [[order("h1", "A"), order("h2", "B", S.DENIED, rule="margin")],
               [order("s1", "A"), order("s2", "B")]]  # fmt: skip
    first, second = shaped(requests, decided)
    assert [(o.leg, o.status) for o in first] == [(1, S.SUBMITTED), (1, S.DENIED)]
    held, stopped = second
    assert (held.leg, held.status, held.waits_for) == (2, S.PENDING, "h1")
    assert stopped.status is S.DENIED and stopped.rule == FIRST_LEG_RULE
    assert "first basket leg" in (stopped.reason or "") and "h2" in (stopped.reason or "")


def test_shaped_basket_without_the_stop_sends_every_leg_at_once() -> None:
    decided = [[order("h1", "A"), order("h2", "B")], [order("s1", "A"), order("s2", "B")]]
    _, second = shaped(order_requests(basket(stop=False)), decided)
    assert all(o.status is S.SUBMITTED and o.waits_for is None for o in second)


def test_first_leg_outcome_taken_ended_or_not_yet() -> None:
    assert first_leg_outcome(order("x", "A", S.PARTIALLY_FILLED, leg=1, filled_quantity=1))
    assert first_leg_outcome(order("x", "A", S.ACCEPTED, leg=1)) is None  # may yet be rejected
    assert first_leg_outcome(order("x", "A", S.REJECTED, leg=1)) is False
    assert first_leg_outcome(order("x", "A", S.CANCELED, leg=1, filled_quantity=1)) is True
    assert first_leg_outcome(order("x", "A", S.SUBMITTED, leg=1)) is None
    assert first_leg_outcome(order("x", "A", S.REJECTED, leg=2)) is None  # not a first leg
    assert first_leg_outcome(order("x", "A", S.REJECTED)) is None  # not a basket's
    assert released(order("y", "A", S.PENDING, leg=2)).status is S.SUBMITTED


def test_basket_batch_row_counts_every_leg_and_keeps_them() -> None:
    from order_router.placement import batch_row

    row = batch_row(order_requests(basket())[0], 2)
    assert row.order_count == 4 and row.legs is not None and '"leg": 2' in row.legs
