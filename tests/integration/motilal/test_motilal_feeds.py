"""The binary quote feed and the JSON order/trade stream, end to end."""

import asyncio
from collections.abc import AsyncIterator
from decimal import Decimal
from typing import TypeVar

import pytest
from motilal import MotilalClient, Order, OrderStatus, SessionExpired, Trade
from motilal.feed import codec
from motilal.feed.backoff import Backoff
from motilal.feed.orders import OrderStream
from motilal.feed.quotes import QuoteFeed
from motilal_sim.testing import RunningSimulator
from motilal_testkit import ACCOUNTS, RELIANCE, SimControl
from test_motilal_orders_contract import limit

T = TypeVar("T")
# A feed that stalls must fail its test, not the whole run.
pytestmark = pytest.mark.timeout(60)


async def _next_matching(stream: AsyncIterator[T], wanted: type, wait: float = 5) -> T:
    async with asyncio.timeout(wait):
        async for item in stream:
            if isinstance(item, wanted):
                return item
    raise AssertionError("stream ended")


async def test_quote_feed_sends_snapshot_with_circuit_limits(sim: RunningSimulator) -> None:
    feed = QuoteFeed(sim.feed_url, ACCOUNTS[0]["client_code"])
    await feed.subscribe(*RELIANCE)
    packets = feed.packets()
    circuit = await _next_matching(packets, codec.CircuitTick)
    assert circuit.upper == Decimal("1628.00") and circuit.lower == Decimal("1332.00")
    await feed.close()


async def test_quote_feed_delivers_price_set_through_sim(
    sim: RunningSimulator, control: SimControl
) -> None:
    feed = QuoteFeed(sim.feed_url, ACCOUNTS[0]["client_code"])
    await feed.subscribe("NSEFO", 62151)
    packets = feed.packets()
    await _next_matching(packets, codec.OhlcTick)  # the snapshot arrived: registered
    await control.set_price(("NSEFO", 62151), "26512.30")
    tick = await _next_matching(packets, codec.LtpTick)
    assert tick.exchange == "NSEFO" and tick.ltp == Decimal("26512.30")
    await feed.close()


async def test_quote_feed_index_registration_gets_index_ticks(
    sim: RunningSimulator, control: SimControl
) -> None:
    feed = QuoteFeed(sim.feed_url, ACCOUNTS[0]["client_code"])
    await feed.subscribe("NSE", 26009)
    packets = feed.packets()
    await _next_matching(packets, codec.IndexTick)
    await control.set_price(("NSE", 26009), "59650.45")
    tick = await _next_matching(packets, codec.IndexTick)
    assert tick.value == Decimal("59650.45")
    await feed.close()


async def test_quote_feed_answers_heartbeats_and_stays_connected(sim: RunningSimulator) -> None:
    feed = QuoteFeed(sim.feed_url, ACCOUNTS[0]["client_code"], idle_timeout=2)
    await feed.subscribe(*RELIANCE)
    packets = feed.packets()
    await _next_matching(packets, codec.CircuitTick)
    consume = asyncio.create_task(_next_matching(packets, codec.UnknownTick, wait=1.2))
    with pytest.raises(TimeoutError):
        await consume  # heartbeats (every 0.3 s) are answered, not yielded
    assert feed.connects == 1
    await feed.close()


async def test_quote_feed_reconnects_and_resubscribes_after_outage(
    sim: RunningSimulator, control: SimControl
) -> None:
    feed = QuoteFeed(sim.feed_url, ACCOUNTS[0]["client_code"], backoff=Backoff(initial=0.2))
    await feed.subscribe(*RELIANCE)
    packets = feed.packets()
    await _next_matching(packets, codec.CircuitTick)
    await control.down(0.5)
    await _next_matching(packets, codec.CircuitTick, wait=10)  # a fresh snapshot
    assert feed.connects >= 2
    await control.set_price(RELIANCE, "1484.40")
    tick = await _next_matching(packets, codec.LtpTick)
    assert tick.ltp == Decimal("1484.40")
    await feed.close()


async def test_quote_feed_survives_split_frames(sim: RunningSimulator, control: SimControl) -> None:
    await control.matching(feed_split_frames=True)
    feed = QuoteFeed(sim.feed_url, ACCOUNTS[0]["client_code"])
    await feed.subscribe(*RELIANCE)
    packets = feed.packets()
    await _next_matching(packets, codec.CircuitTick)
    await control.walk(volatility=0.01, steps=15)
    seen: list[codec.FeedPacket] = []
    async with asyncio.timeout(10):
        async for packet in packets:
            seen.append(packet)
            if len(seen) >= 12:
                break
    await feed.close()
    assert all(p.token == 2885 for p in seen)  # no packet decoded from a misaligned buffer
    ltps = [p.ltp for p in seen if isinstance(p, codec.LtpTick)]
    assert ltps and all(Decimal("1332") <= v <= Decimal("1628") for v in ltps)


def _stream(sim: RunningSimulator, client: MotilalClient) -> OrderStream:
    """The logged-in client's own stream: its key and current token, nothing passed by hand."""
    assert client.session is not None
    return client.order_stream(sim.order_stream_url, heartbeat_seconds=0.2)


async def test_order_stream_reports_order_states_and_trades(
    sim: RunningSimulator, client: MotilalClient, control: SimControl
) -> None:
    stream = _stream(sim, client)
    updates = stream.updates()
    first = asyncio.ensure_future(_next_matching(updates, Order))
    await asyncio.sleep(0.3)  # subscribed, and a heartbeat went by
    placed = await client.place_order(limit("1470.00", tag="WS1"))
    sent = await first
    assert sent.status is OrderStatus.SENT and sent.tag == "WS1"
    await control.set_price(RELIANCE, "1469.50")
    trade = await _next_matching(updates, Trade)
    assert trade.unique_order_id == placed.unique_order_id
    assert trade.price == Decimal("1469.50") and trade.quantity == 10
    while (update := await _next_matching(updates, Order)).status is not OrderStatus.TRADED:
        pass
    assert update.traded_quantity == 10
    await stream.close()


async def test_order_stream_bad_token_raises_session_expired(sim: RunningSimulator) -> None:
    stream = OrderStream(
        sim.order_stream_url, ACCOUNTS[0]["client_code"], ACCOUNTS[0]["api_key"], lambda: "bad"
    )
    with pytest.raises(SessionExpired):
        await _next_matching(stream.updates(), Order)
