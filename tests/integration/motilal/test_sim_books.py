"""The simulator's per-client books, open orders and streams (kept by index, not by scans)."""

import asyncio
from decimal import Decimal

import pytest
from motilal import MotilalClient, Order, OrderStatus
from motilal_sim.testing import RunningSimulator
from motilal_testkit import RELIANCE, ClientFactory, SimControl
from test_motilal_orders_contract import limit

pytestmark = pytest.mark.timeout(60)


async def test_order_stream_carries_only_its_own_clients_orders(
    sim: RunningSimulator, make_client: ClientFactory
) -> None:
    mine, other = await make_client(0), await make_client(1)
    stream = mine.order_stream(sim.order_stream_url, heartbeat_seconds=0.2)
    updates = stream.updates()

    async def first_order() -> Order:
        async for update in updates:
            if isinstance(update, Order):
                return update
        raise AssertionError("stream ended")

    waiting = asyncio.ensure_future(first_order())
    await asyncio.sleep(0.3)  # connected and subscribed
    await other.place_order(limit("1470.00", tag="OTHER1"))
    await mine.place_order(limit("1470.00", tag="MINE1"))
    async with asyncio.timeout(5):
        update = await waiting
    assert update.tag == "MINE1"
    await stream.close()


async def test_order_and_trade_books_hold_only_the_clients_own_in_placement_order(
    make_client: ClientFactory, control: SimControl
) -> None:
    mine, other = await make_client(0), await make_client(1)
    for tag in ("MINE1", "MINE2"):
        await mine.place_order(limit("1470.00", tag=tag))
    await other.place_order(limit("1470.00", tag="OTHER1"))
    await control.set_price(RELIANCE, "1470.00")
    assert [o.tag for o in await mine.order_book()] == ["MINE1", "MINE2"]
    assert [o.tag for o in await other.order_book()] == ["OTHER1"]
    assert len(await mine.trade_book()) == 2 and len(await other.trade_book()) == 1


async def test_resting_orders_fill_in_placement_order_and_leave_the_open_count(
    client: MotilalClient, control: SimControl
) -> None:
    first = await client.place_order(limit("1470.00", tag="R1"))
    second = await client.place_order(limit("1470.00", tag="R2"))
    lower = await client.place_order(limit("1460.00", tag="R3"))
    assert (await control.counters())["open_orders"] == 3
    await control.set_price(RELIANCE, "1470.00")
    [trade1] = await client.trade_detail(first.unique_order_id)
    [trade2] = await client.trade_detail(second.unique_order_id)
    assert int(trade1.trade_no) < int(trade2.trade_no)
    assert (await client.find_order(lower.unique_order_id)).status is OrderStatus.CONFIRM
    assert (await control.counters())["open_orders"] == 1


async def test_resting_order_blocks_margin_until_canceled(client: MotilalClient) -> None:
    before = (await client.margin_summary()).available
    placed = await client.place_order(limit("1470.00", qty=10))  # DELIVERY: full value
    assert before - (await client.margin_summary()).available == Decimal("14700.00")
    await client.cancel_order(placed.unique_order_id)
    assert (await client.margin_summary()).available == before
