"""Exit-by-token planning in the gateway: which clients, exchange and trade type."""

import pytest
from common.enums import Exchange, TradeType
from fastapi import HTTPException
from gateway.portfolio_views import HolderView
from gateway.routes.trades import ExitByTokenIn, _exit_orders, _exit_plan


def holder(client: str, trade_type: str = "INTRADAY", exchange: str = "NSE") -> HolderView:
    """One open position of `client` as the portfolio's holders answer lists it."""
    return HolderView(
        client_id=client, position_id=f"p-{client}-{trade_type}", exchange=Exchange(exchange),
        trade_type=TradeType(trade_type), net_quantity=1, average_price="100",
        last_price=None, value="100", unrealized_pnl="0", realized_pnl="0", total_pnl="0",
    )  # fmt: skip


def test_exit_plan_omitted_clients_means_every_holder() -> None:
    clients, exchange, trade_type = _exit_plan(
        1594, ExitByTokenIn(), [holder("b"), holder("a"), holder("a", "DELIVERY")]
    )
    assert clients == ["a", "b"] and exchange is Exchange.NSE
    assert trade_type is None  # mixed: each client's own open position is exited


def test_exit_plan_single_trade_type_among_targets_is_named() -> None:
    body = ExitByTokenIn(client_ids=["b"])
    _, _, trade_type = _exit_plan(1594, body, [holder("a", "DELIVERY"), holder("b", "MTF")])
    assert trade_type is TradeType.MTF


def test_exit_plan_non_holder_is_422_naming_its_index() -> None:
    with pytest.raises(HTTPException) as refused:
        _exit_plan(1594, ExitByTokenIn(client_ids=["a", "zz"]), [holder("a")])
    assert refused.value.status_code == 422
    assert refused.value.detail[0]["loc"] == ["body", "client_ids", 1]
    assert "zz" in refused.value.detail[0]["msg"]


def test_exit_plan_nobody_holding_is_422_on_token() -> None:
    with pytest.raises(HTTPException) as refused:
        _exit_plan(1594, ExitByTokenIn(), [])
    assert refused.value.detail[0]["loc"] == ["path", "token_id"]


def test_exit_plan_two_exchanges_needs_exchange() -> None:
    with pytest.raises(HTTPException) as refused:
        _exit_plan(500325, ExitByTokenIn(), [holder("a"), holder("b", exchange="BSE")])
    assert refused.value.detail[0]["loc"] == ["body", "exchange"]


def test_exit_orders_mixed_trade_types_one_exit_per_held_position() -> None:
    holders = [holder("a"), holder("a", "DELIVERY"), holder("b"), holder("c", "MTF")]
    orders = _exit_orders(["a", "b"], None, holders)
    assert [(o.client_id, o.trade_type) for o in orders] == [
        ("a", TradeType.DELIVERY),
        ("a", TradeType.INTRADAY),
        ("b", TradeType.INTRADAY),
    ]
    assert len({o.order_id for o in orders}) == 3


def test_exit_orders_named_trade_type_one_exit_per_client() -> None:
    orders = _exit_orders(["a", "b"], TradeType.INTRADAY, [holder("a"), holder("b")])
    assert [(o.client_id, o.trade_type) for o in orders] == [("a", None), ("b", None)]
