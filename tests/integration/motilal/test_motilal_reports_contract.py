from decimal import Decimal

import pytest
from motilal import BrokerRejected, MotilalClient
from motilal.scrip_master import ScripMaster
from motilal_testkit import ACCOUNTS, RELIANCE, ClientFactory, SimControl
from test_motilal_orders_contract import limit


async def test_ltp_is_converted_from_paisa(client: MotilalClient, control: SimControl) -> None:
    await control.set_price(RELIANCE, "1481.35")
    quote = await client.ltp("NSE", 2885)
    assert quote.ltp == Decimal("1481.35") and quote.prev_close == Decimal("1480.00")
    assert quote.high == Decimal("1481.35") and quote.bid < quote.ltp < quote.ask


async def test_ltp_unknown_scrip_is_mo1058(client: MotilalClient) -> None:
    with pytest.raises(BrokerRejected) as rejected:
        await client.ltp("NSE", 424242)
    assert rejected.value.code == "MO1058"


async def test_index_ltp_is_in_rupees(client: MotilalClient, control: SimControl) -> None:
    await control.set_price(("NSE", 26000), "26012.35")
    quote = await client.index_ltp("NSE", 26000)
    assert quote.ltp == Decimal("26012.35") and quote.exchange == "NSECASH"


async def test_trade_book_prices_are_descaled(client: MotilalClient, control: SimControl) -> None:
    await client.place_order(limit("1475.00", tag="TB1"))
    await control.set_price(RELIANCE, "1473.45")
    [trade] = await client.trade_book()
    assert trade.price == Decimal("1473.45") and trade.tag == "TB1"


async def test_holdings_come_from_the_demo_account(client: MotilalClient) -> None:
    holdings = await client.holdings()
    expected = ACCOUNTS[0]["holdings"]
    assert [h.isin for h in holdings] == [h["isin"] for h in expected]
    assert holdings[0].quantity == expected[0]["quantity"]
    assert holdings[0].average_price == Decimal(expected[0]["avg_price"])


async def test_scrip_master_lists_tradeable_instruments(client: MotilalClient) -> None:
    nse = await ScripMaster(client.http).instruments("NSE")
    reliance = next(r for r in nse if r.token == 2885)
    assert reliance.name == "RELIANCE EQ" and reliance.tick_size == Decimal("0.05")
    assert all(r.token != 26000 for r in nse)  # indices are not in the scrip master
    futures = await ScripMaster(client.http).instruments("NSEFO")
    assert {r.lot_size for r in futures} >= {65, 30}


async def test_overridden_position_is_reported_as_carry_forward(
    make_client: ClientFactory, control: SimControl
) -> None:
    code = ACCOUNTS[4]["client_code"]
    await control.set_position(client_code=code, exchange="NSE", token=2885, product="DELIVERY",
                               quantity=-40, average_price="1500.00")  # fmt: skip
    client = await make_client(4)
    [position] = await client.positions()
    assert position.net_quantity == -40 and position.cf_sell_quantity == 40
    assert position.cf_sell_amount == Decimal("60000.00")
    assert position.mtm == Decimal("800.00")  # short 40 from 1500, market at 1480
