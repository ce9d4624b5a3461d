from decimal import Decimal

import pytest
from motilal import (
    BrokerRejected,
    InvalidQuantity,
    ModifyRequest,
    MotilalClient,
    OrderRequest,
    OrderStatus,
    OrderType,
    Side,
    tag_for,
)
from motilal_testkit import NIFTY_FUT, RELIANCE, ClientFactory, SimControl


def limit(price: str, qty: int = 10, side: Side = Side.BUY, **changes: object) -> OrderRequest:
    values: dict[str, object] = {
        "exchange": "NSE", "token": 2885, "side": side, "order_type": OrderType.LIMIT,
        "product": "DELIVERY", "quantity": qty, "price": Decimal(price), "symbol": "RELIANCE",
    }  # fmt: skip
    values.update(changes)
    return OrderRequest(**values)  # type: ignore[arg-type]


async def test_place_resting_limit_shows_confirm_with_tag(client: MotilalClient) -> None:
    tag = tag_for("0b8f7e1c-3a6d-4e0f-9c2b-7d5e4f3a2b10")
    placed = await client.place_order(limit("1470.00", tag=tag))
    [order] = await client.orders_with_tag(tag)
    assert order.unique_order_id == placed.unique_order_id
    assert order.status is OrderStatus.CONFIRM and order.remaining_quantity == 10
    assert order.price == Decimal("1470.00") and order.last_modified_raw == "0"


async def test_place_market_order_is_rejected_and_booked_as_rejected(
    client: MotilalClient,
) -> None:
    with pytest.raises(BrokerRejected) as rejected:
        await client.place_order(limit("0", order_type=OrderType.MARKET, tag="MKT1"))
    assert rejected.value.code == "M01108" and "1 April 2026" in rejected.value.reason
    [order] = await client.orders_with_tag("MKT1")
    assert order.unique_order_id == rejected.value.unique_order_id
    assert order.status is OrderStatus.REJECTED and "Market" in order.error


@pytest.mark.parametrize(
    ("request_changes", "words"),
    [
        ({"price": Decimal("1470.03")}, "tick size 0.05"),
        ({"price": Decimal("1200.00")}, "below the lower circuit 1332.00"),
        ({"price": Decimal("1700.00")}, "above the upper circuit 1628.00"),
        ({"quantity": 300, "price": Decimal("1480.00")}, "insufficient margin"),
    ],
    ids=["tick", "lower-circuit", "upper-circuit", "margin"],
)
async def test_place_bad_terms_placed_then_rejected_in_book_with_reason(
    make_client: ClientFactory, request_changes: dict[str, object], words: str
) -> None:
    # As Motilal: the API takes the order, RMS or the exchange rejects it; only the book says so.
    client = await make_client(3)  # the smallest account: 4 lakh
    placed = await client.place_order(
        limit("1470.00", tag="BAD1").model_copy(update=request_changes)
    )
    [order] = await client.orders_with_tag("BAD1")
    assert order.unique_order_id == placed.unique_order_id
    assert order.status is OrderStatus.REJECTED and words in order.error


@pytest.mark.parametrize(
    ("body_changes", "code"),
    [
        ({"token": 999999}, "MO1058"),
        ({"token": 26000}, "MO1058"),
        (
            {"exchange": "NSEFO", "token": 62151, "product": "DELIVERY", "lot_size": 65,
             "quantity": 65},
            "MO1084",
        ),
        ({"product": "INTRADAY"}, "MO1057"),
        ({"exchange": "NFO"}, "MO1051"),
    ],
    ids=["unknown-token", "index", "product-for-exchange", "bad-product", "bad-exchange"],
)  # fmt: skip
async def test_place_malformed_request_refused_without_order(
    client: MotilalClient, body_changes: dict[str, object], code: str
) -> None:
    with pytest.raises(BrokerRejected) as rejected:
        await client.place_order(limit("1470.00").model_copy(update=body_changes))
    assert rejected.value.code == code and rejected.value.unique_order_id is None
    assert await client.order_book() == []


async def test_place_tag_with_special_characters_is_refused_by_the_library() -> None:
    with pytest.raises(ValueError, match="at most 10 letters or digits"):
        limit("1470.00", tag="AB-12")


async def test_place_futures_in_shares_converts_to_lots(client: MotilalClient) -> None:
    order = limit("26400.00", qty=130, exchange="NSEFO", token=62151, product="NORMAL",
                  lot_size=65, symbol="NIFTY26DECFUT")  # fmt: skip
    await client.place_order(order)
    [booked] = await client.order_book()
    assert booked.quantity == 130 and booked.lot_size == 65


async def test_place_futures_partial_lot_raises_before_sending(client: MotilalClient) -> None:
    order = limit("26400.00", qty=7, exchange="NSEFO", token=62151, product="NORMAL",
                  lot_size=5, symbol="NIFTY26DECFUT")  # fmt: skip
    with pytest.raises(InvalidQuantity, match="quantity 7 is not a multiple of lot size 5"):
        await client.place_order(order)


async def test_modify_reads_stamp_and_changes_price(client: MotilalClient) -> None:
    placed = await client.place_order(limit("1470.00"))
    change = ModifyRequest(unique_order_id=placed.unique_order_id, order_type=OrderType.LIMIT,
                           quantity=20, price=Decimal("1471.50"))  # fmt: skip
    await client.modify_order(change)
    order = await client.find_order(placed.unique_order_id)
    assert order.price == Decimal("1471.50") and order.quantity == 20
    assert order.last_modified_raw != "0"
    history = await client.order_detail(placed.unique_order_id)
    assert [o.status for o in history][:2] == [OrderStatus.SENT, OrderStatus.CONFIRM]
    assert history[-1].price == Decimal("1471.50") and history[-1].order_type == "LIMIT"


async def test_modify_with_stale_traded_quantity_is_mo1090(client: MotilalClient) -> None:
    placed = await client.place_order(limit("1470.00"))
    order = await client.find_order(placed.unique_order_id)
    change = ModifyRequest(unique_order_id=placed.unique_order_id, order_type=OrderType.LIMIT,
                           quantity=10, price=Decimal("1469.00"))  # fmt: skip
    with pytest.raises(BrokerRejected) as rejected:
        await client.modify_order(change, last_modified_time=order.modify_stamp, qty_traded_today=3)
    assert rejected.value.code == "MO1090"


async def test_cancel_open_order_then_again_is_mo1066(client: MotilalClient) -> None:
    placed = await client.place_order(limit("1470.00"))
    await client.cancel_order(placed.unique_order_id)
    assert (await client.find_order(placed.unique_order_id)).status is OrderStatus.CANCEL
    with pytest.raises(BrokerRejected) as rejected:
        await client.cancel_order(placed.unique_order_id)
    assert rejected.value.code == "MO1066"


async def test_cancel_traded_order_is_mo1067(client: MotilalClient, control: SimControl) -> None:
    placed = await client.place_order(limit("1480.00"))  # at the market: fills at once
    assert (await client.find_order(placed.unique_order_id)).status is OrderStatus.TRADED
    with pytest.raises(BrokerRejected) as rejected:
        await client.cancel_order(placed.unique_order_id)
    assert rejected.value.code == "MO1067"


async def test_cancel_unknown_or_foreign_order_is_mo1060(
    client: MotilalClient, make_client: ClientFactory
) -> None:
    other = await make_client(1)
    placed = await other.place_order(limit("1470.00"))
    with pytest.raises(BrokerRejected) as rejected:
        await client.cancel_order(placed.unique_order_id)
    assert rejected.value.code == "MO1060"


async def test_trade_detail_lists_fills_of_one_order(
    client: MotilalClient, control: SimControl
) -> None:
    placed = await client.place_order(limit("1475.00", tag="TD1"))
    await control.set_price(RELIANCE, "1474.00")
    [trade] = await client.trade_detail(placed.unique_order_id)
    assert trade.price == Decimal("1474.00") and trade.quantity == 10 and trade.tag == "TD1"
    assert trade.value == Decimal("14740.00")


async def test_trade_detail_of_unfilled_order_is_refused(client: MotilalClient) -> None:
    placed = await client.place_order(limit("1470.00"))
    with pytest.raises(BrokerRejected) as rejected:
        await client.trade_detail(placed.unique_order_id)
    assert rejected.value.code == "MO1014"


async def test_futures_fill_moves_fo_margin_not_cash(
    client: MotilalClient, control: SimControl
) -> None:
    await control.set_price(NIFTY_FUT, "26400.00")
    order = limit("26400.00", qty=65, exchange="NSEFO", token=62151, product="NORMAL",
                  lot_size=65, symbol="NIFTY26DECFUT")  # fmt: skip
    await client.place_order(order)
    margins = await client.margin_detail()
    assert margins.amount(321) == Decimal("257400.00")  # 65 x 26400 x 15%
    assert margins.amount(301) == Decimal("0")
