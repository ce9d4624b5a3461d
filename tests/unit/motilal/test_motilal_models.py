from decimal import Decimal

from motilal.errors import (
    BrokerRejected,
    LoginFailed,
    LoginFailure,
    RateLimited,
    SessionExpired,
    error_for,
)
from motilal.models import MarginRow, Margins, Order, OrderStatus, Position, Trade

ORDER_ROW = {
    "uniqueorderid": "100000000001", "orderid": "1100000000000001", "clientid": "EMUM7551",
    "exchange": "NSE", "symboltoken": 2885, "symbol": "RELIANCE EQ", "buyorsell": "Buy",
    "ordertype": "Limit", "producttype": "Delivery", "orderduration": "DAY",
    "orderstatus": "PARTIAL", "error": "", "orderqty": 10, "qtytradedtoday": 4,
    "totalqtyremaining": 6, "lotsize": 1, "price": 1470.05, "triggerprice": 0,
    "averageprice": 1469.9, "tag": "ABC123", "entrydatetime": "23-Nov-2026 09:15:00",
    "lastmodifiedtime": "0",
}  # fmt: skip


def test_order_from_row_normalises_case_and_units() -> None:
    order = Order.from_row(ORDER_ROW)
    assert order.status is OrderStatus.PARTIAL and order.status.is_open
    assert order.side == "BUY" and order.order_type == "LIMIT" and order.product == "DELIVERY"
    assert order.price == Decimal("1470.05")
    assert (order.quantity, order.traded_quantity, order.remaining_quantity) == (10, 4, 6)


def test_order_modify_stamp_never_modified_uses_entry_time() -> None:
    assert Order.from_row(ORDER_ROW).modify_stamp == "23-Nov-2026 09:15:00"
    modified = Order.from_row({**ORDER_ROW, "lastmodifiedtime": "23-Nov-2026 09:20:01"})
    assert modified.modify_stamp == "23-Nov-2026 09:20:01"


def test_order_status_unknown_text_maps_to_unknown() -> None:
    assert OrderStatus.parse("Pending Whatever") is OrderStatus.UNKNOWN
    assert OrderStatus.parse("rejected").is_terminal


def test_trade_from_book_row_descales_precision() -> None:
    row = {"tradeno": "5", "tradeprice": 278400, "tradevalue": 2784000, "precision": 2,
           "tradeqty": 10, "buyorsell": "SELL", "symboltoken": 1}  # fmt: skip
    trade = Trade.from_row(row)
    assert trade.price == Decimal("2784.00") and trade.value == Decimal("27840.00")


def test_trade_from_stream_row_keeps_rupees() -> None:
    row = {"tradeno": "5", "tradeprice": 2784.0, "precision": 2, "tradeqty": 10,
           "buyorsell": "BUY", "symboltoken": 1}  # fmt: skip
    assert Trade.from_row(row, scaled=False).price == Decimal("2784.0")


def test_position_net_and_pnl_from_buy_sell_fields() -> None:
    row = {"buyquantity": 10, "sellquantity": 4, "marktomarket": 120.5, "bookedprofitloss": -20,
           "symboltoken": 2885, "productname": "VALUEPLUS"}  # fmt: skip
    position = Position.from_row(row)
    assert position.net_quantity == 6 and position.pnl == Decimal("100.5")


def test_margins_summary_uses_102_as_net_available() -> None:
    rows = (MarginRow(srno=102, particulars="", amount=Decimal(900)),
            MarginRow(srno=301, particulars="", amount=Decimal(60)),
            MarginRow(srno=321, particulars="", amount=Decimal(40)))  # fmt: skip
    margins = Margins(rows=rows)
    assert margins.available == Decimal(900) and margins.used == Decimal(100)


def test_error_for_maps_codes_to_types() -> None:
    assert isinstance(error_for("MO8002", "expired"), SessionExpired)
    assert isinstance(error_for("MO9001", "too many"), RateLimited)
    rejected = error_for("MO1073", "below circuit")
    assert isinstance(rejected, BrokerRejected) and rejected.reason == "below circuit"


def test_login_failed_names_category_readably() -> None:
    failure = LoginFailed("MO2035", "Unauthorized IP Address")
    assert failure.category is LoginFailure.IP_NOT_WHITELISTED
    assert "IP address not whitelisted" in str(failure)
