"""The simulator's matching model, observed through the client's books."""

from decimal import Decimal

from motilal import MotilalClient, OrderStatus, OrderType, Side
from motilal_testkit import ACCOUNTS, RELIANCE, SimControl
from test_motilal_orders_contract import limit


async def test_buy_limit_below_market_rests_until_price_crosses(
    client: MotilalClient, control: SimControl
) -> None:
    placed = await client.place_order(limit("1470.00"))
    await control.set_price(RELIANCE, "1470.05")
    assert (await client.find_order(placed.unique_order_id)).status is OrderStatus.CONFIRM
    await control.set_price(RELIANCE, "1470.00")
    order = await client.find_order(placed.unique_order_id)
    assert order.status is OrderStatus.TRADED and order.average_price == Decimal("1470.00")


async def test_sell_limit_fills_at_better_price_on_gap(
    client: MotilalClient, control: SimControl
) -> None:
    placed = await client.place_order(limit("1490.00", side=Side.SELL, product="VALUEPLUS"))
    await control.set_price(RELIANCE, "1495.00")  # gaps through the limit
    [trade] = await client.trade_detail(placed.unique_order_id)
    assert trade.price == Decimal("1495.00")


async def test_buy_stoploss_triggers_then_fills_within_limit(
    client: MotilalClient, control: SimControl
) -> None:
    order = limit("1492.00", order_type=OrderType.STOPLOSS, trigger_price=Decimal("1490.00"))
    placed = await client.place_order(order)
    await control.set_price(RELIANCE, "1489.95")
    assert (await client.find_order(placed.unique_order_id)).status is OrderStatus.CONFIRM
    await control.set_price(RELIANCE, "1491.00")
    [trade] = await client.trade_detail(placed.unique_order_id)
    assert trade.price == Decimal("1491.00")


async def test_stoploss_triggered_but_past_limit_waits(
    client: MotilalClient, control: SimControl
) -> None:
    order = limit("1492.00", order_type=OrderType.STOPLOSS, trigger_price=Decimal("1490.00"))
    placed = await client.place_order(order)
    await control.set_price(RELIANCE, "1495.00")  # triggers, but above the 1492 limit
    assert (await client.find_order(placed.unique_order_id)).status is OrderStatus.CONFIRM
    await control.set_price(RELIANCE, "1492.00")
    assert (await client.find_order(placed.unique_order_id)).status is OrderStatus.TRADED


async def test_sell_stop_market_fills_at_market_once_triggered(
    client: MotilalClient, control: SimControl
) -> None:
    order = limit("0", side=Side.SELL, product="VALUEPLUS", order_type=OrderType.STOPLOSS,
                  trigger_price=Decimal("1460.00"))  # fmt: skip
    placed = await client.place_order(order)
    await control.set_price(RELIANCE, "1455.50")
    [trade] = await client.trade_detail(placed.unique_order_id)
    assert trade.price == Decimal("1455.50") and trade.side is Side.SELL


async def test_stoploss_trigger_already_crossed_is_rejected(client: MotilalClient) -> None:
    order = limit("1470.00", order_type=OrderType.STOPLOSS, trigger_price=Decimal("1470.00"))
    try:
        await client.place_order(order)
    except Exception as exc:
        assert getattr(exc, "code", "") == "MO1078"
    else:
        raise AssertionError("a buy stop below the market must be rejected")


async def test_partial_fills_step_through_partial_to_traded(
    client: MotilalClient, control: SimControl
) -> None:
    await control.matching(partial_fill_fraction=0.5)
    placed = await client.place_order(limit("1470.00", qty=100))
    await control.set_price(RELIANCE, "1469.00")
    order = await client.find_order(placed.unique_order_id)
    assert order.status is OrderStatus.PARTIAL
    assert (order.traded_quantity, order.remaining_quantity) == (50, 50)
    await control.set_price(RELIANCE, "1468.00")
    await control.set_price(RELIANCE, "1467.00")
    order = await client.find_order(placed.unique_order_id)
    assert order.traded_quantity == 87 and order.status is OrderStatus.PARTIAL
    trades = await client.trade_detail(placed.unique_order_id)
    assert [t.quantity for t in trades] == [50, 25, 12]
    assert len({t.trade_no for t in trades}) == 3


async def test_partial_order_cancel_keeps_filled_quantity(
    client: MotilalClient, control: SimControl
) -> None:
    await control.matching(partial_fill_fraction=0.5)
    placed = await client.place_order(limit("1470.00", qty=10))
    await control.set_price(RELIANCE, "1469.00")
    await client.cancel_order(placed.unique_order_id)
    order = await client.find_order(placed.unique_order_id)
    assert order.status is OrderStatus.CANCEL and order.traded_quantity == 5
    assert order.remaining_quantity == 0


async def test_price_set_outside_circuit_is_clamped_to_the_band(control: SimControl) -> None:
    assert (await control.set_price(RELIANCE, "2000.00"))["ltp"] == "1628.00"
    assert (await control.set_price(RELIANCE, "1.00"))["ltp"] == "1332.00"
    assert (await control.set_price(RELIANCE, "1480.03"))["ltp"] == "1480.05"


async def test_round_trip_books_profit_and_frees_margin(
    client: MotilalClient, control: SimControl
) -> None:
    before = await client.margin_detail()
    await client.place_order(limit("1480.00", product="VALUEPLUS"))
    await control.set_price(RELIANCE, "1490.00")
    [open_position] = await client.positions()
    assert open_position.net_quantity == 10 and open_position.mtm == Decimal("100.00")
    during = await client.margin_detail()
    assert during.used == Decimal("2980.00")  # 10 x 1490 x 20% intraday
    await client.place_order(limit("1490.00", side=Side.SELL, product="VALUEPLUS"))
    [closed] = await client.positions()
    assert closed.net_quantity == 0 and closed.booked_pnl == Decimal("100.00")
    assert closed.mtm == Decimal("0")
    after = await client.margin_detail()
    assert after.used == Decimal("0") and after.booked == Decimal("100.00")
    assert after.available == before.available + Decimal("100.00")


async def test_margin_rows_are_self_consistent(client: MotilalClient, control: SimControl) -> None:
    await client.place_order(limit("1480.00"))  # delivery: full value
    await client.place_order(limit("1400.00", qty=5))  # resting order blocks margin too
    await control.set_price(RELIANCE, "1470.00")
    await control.set_price(RELIANCE, "1475.00")  # no fill: above 1400
    detail, summary = await client.margin_detail(), await client.margin_summary()
    acct = ACCOUNTS[0]
    assert detail.cash == Decimal(acct["funds"]) and detail.collateral == Decimal(
        acct["collateral"]
    )
    assert detail.amount(200) == detail.cash + detail.collateral
    assert detail.used == Decimal("14750.00") + Decimal("7000.00")
    assert detail.mtm == Decimal("-50.00")
    assert detail.available == detail.amount(200) - detail.used + detail.mtm + detail.booked
    assert summary.available == detail.available and summary.used == detail.used
