"""The gateway's typed views of the order-router's answers: they read what the router
wrote and give it back unchanged (the public API returns the router's answer as it was)."""

import json
from datetime import UTC, datetime
from decimal import Decimal
from typing import Any

import pytest
from common.contracts.instruments import Instrument
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType
from gateway.router_views import BatchView, KillSwitchView, OrdersPage, OrderView
from order_router.api import batch_view
from order_router.orders import Order

NIFTY = Instrument(
    token=62151, exchange=Exchange.NSEFO, symbol="NIFTY26DECFUT", lot_size=65,
    tick_size=Decimal("0.10"),
)  # fmt: skip


def order(price: Decimal | None, **changes: Any) -> Order:
    fields: dict[str, Any] = {
        "order_id": "o1", "batch_id": "b1", "client_id": "C1", "instrument": NIFTY,
        "execution_type": ExecutionType.BUY, "side": Side.BUY, "order_type": OrderType.LIMIT,
        "trade_type": TradeType.INTRADAY, "quantity": 130, "price": price,
        "trigger_price": None, "tag": "t1", "status": OrderStatus.ACCEPTED, "actor": "desk",
        "correlation_id": "b1", "risk_notes": ("no quote",), "filled_quantity": 65,
        "average_price": Decimal("26000.1500"),
    }  # fmt: skip
    return Order(**(fields | changes))


def wire(answer: dict[str, Any]) -> dict[str, Any]:
    """What the gateway reads: the router's answer through JSON."""
    parsed: dict[str, Any] = json.loads(json.dumps(answer))
    return parsed


@pytest.mark.parametrize("price", [Decimal("26000.10"), Decimal("26000.00"), None])
def test_router_views_order_reads_typed_fields_and_gives_back_the_answer_unchanged(
    price: Decimal | None,
) -> None:
    answer = wire(order(price).as_json())
    view = OrderView.model_validate(answer)
    assert (view.status, view.modifiable, view.cancelable) == (OrderStatus.ACCEPTED, True, True)
    assert view.price == (None if price is None else price)
    assert view.instrument() == NIFTY
    assert view.as_json() == answer
    assert list(view.as_json()) == list(answer)  # the CSV export's columns keep their order


@pytest.mark.parametrize(
    ("price", "written"),
    [(Decimal("26000.00"), "26000"), (Decimal("100"), "100"), (Decimal("26000.10"), "26000.10")],
)
def test_router_views_order_writes_prices_in_plain_notation(price: Decimal, written: str) -> None:
    assert order(price).as_json()["price"] == written  # not "2.6E+4"


def test_router_views_orders_page_and_batch_give_back_the_answer_unchanged() -> None:
    orders = [order(Decimal("26000.10")), order(None, order_id="o2", client_id="C2")]
    page = wire({"orders": [o.as_json() for o in orders], "limit": 100, "offset": 0})
    assert OrdersPage.model_validate(page).as_json() == page
    batch = {
        "batch_id": "b1", "kind": "batch", "token": NIFTY.token, "execution_type": "BUY",
        "order_type": "LIMIT", "trade_type": "INTRADAY", "price": Decimal("26000.10"),
        "trigger_price": None, "actor": "desk", "created_at": datetime.now(UTC), "legs": None,
    }  # fmt: skip
    answer = wire(batch_view(batch, orders))
    view = BatchView.model_validate(answer)
    assert [(o.order_id, o.status) for o in view.orders] == [
        ("o1", OrderStatus.ACCEPTED),
        ("o2", OrderStatus.ACCEPTED),
    ]
    assert not view.complete
    assert view.as_json() == answer


def test_router_views_kill_switch_finds_each_scope() -> None:
    answer = {
        "global": {"client_id": None, "engaged": False, "reason": None},
        "clients": [
            {"client_id": "C1", "engaged": True, "reason": "halt", "actor": "desk",
             "updated_at": "2026-11-30T04:00:00+00:00"},
        ],
    }  # fmt: skip
    view = KillSwitchView.model_validate(answer)
    assert view.scope(None) == view.global_ and not view.global_.engaged
    found = view.scope("C1")
    assert found is not None and (found.engaged, found.reason) == (True, "halt")
    assert view.scope("C2") is None
    assert view.as_json() == answer
