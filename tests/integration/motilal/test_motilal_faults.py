"""Rate limits and injected faults, as the client and the /sim counters see them."""

import asyncio
import time
from collections import Counter

import pytest
from motilal import (
    BrokerUnavailable,
    MotilalClient,
    OrderStatus,
    RateLimited,
    UnknownOutcome,
)
from motilal_testkit import ACCOUNTS, ClientFactory, SimControl
from test_motilal_orders_contract import limit


async def _start_of_second() -> None:
    # The limit counts per calendar second: start a burst early in one.
    await asyncio.sleep(1.02 - time.time() % 1)


async def test_orders_over_the_per_second_cap_are_rate_limited_per_segment(
    client: MotilalClient, control: SimControl
) -> None:
    # A low cap keeps the test meaningful on a loaded machine, where a burst of 13 may straddle
    # a second boundary; the cap is the same code path as the default 10.
    await control.matching(orders_per_second=3)
    await _start_of_second()
    burst = [client.place_order(limit("1470.00")) for _ in range(8)]
    fo = limit("26000.00", qty=65, exchange="NSEFO", token=62151, product="NORMAL", lot_size=65)
    results = await asyncio.gather(*burst, client.place_order(fo), return_exceptions=True)
    limited = [r for r in results if isinstance(r, RateLimited)]
    assert limited and limited[0].code == "MO9001"
    assert not isinstance(results[-1], Exception)  # NSEFO has its own budget
    book = await client.order_book()
    per_second = Counter(o.entry_time for o in book if o.exchange == "NSE")
    assert max(per_second.values()) <= 3
    code = ACCOUNTS[0]["client_code"]
    counters = await control.counters()
    assert counters["place_calls"][code] == 9
    assert counters["rate_limited"][code] == len(limited) == 9 - len(book)
    assert counters["orders_placed"][code] == len(book)


async def test_5xx_on_place_is_unknown_outcome_and_no_order(
    client: MotilalClient, control: SimControl
) -> None:
    await control.faults(error_5xx=1.0, endpoints=["place_order"])
    with pytest.raises(UnknownOutcome) as unknown:
        await client.place_order(limit("1470.00", tag="X5XX"))
    assert "HTTP 503" in str(unknown.value)
    await control.faults()
    assert await client.orders_with_tag("X5XX") == []
    counters = await control.counters()
    assert counters["faults_injected"] == {"5xx:place_order": 1}


async def test_lost_response_on_place_is_unknown_but_order_exists(
    client: MotilalClient, control: SimControl
) -> None:
    await control.faults(lost_response=1.0, endpoints=["place_order"])
    with pytest.raises(UnknownOutcome):
        await client.place_order(limit("1470.00", tag="LOST1"))
    await control.faults()
    [order] = await client.orders_with_tag("LOST1")
    assert order.status is OrderStatus.CONFIRM
    assert (await control.counters())["orders_placed"][ACCOUNTS[0]["client_code"]] == 1


async def test_timeout_on_place_is_unknown_outcome_never_rejection(
    make_client: ClientFactory, control: SimControl
) -> None:
    client = await make_client(0, settings={"read_timeout": 0.3})
    await control.faults(timeout=1.0, timeout_seconds=1.0, endpoints=["place_order"])
    with pytest.raises(UnknownOutcome) as unknown:
        await client.place_order(limit("1470.00"))
    assert unknown.value.operation == "place_order" and "ReadTimeout" in unknown.value.cause


async def test_reads_retry_through_intermittent_5xx(
    client: MotilalClient, control: SimControl
) -> None:
    await control.faults(error_5xx=0.5, endpoints=["order_book"])
    for _ in range(4):
        assert await client.order_book() == []  # seeded dice: retries absorb the 503s
    counters = await control.counters()
    assert counters["requests"]["order_book"] > 4
    assert counters["faults_injected"]["5xx:order_book"] >= 1


async def test_reads_give_up_when_always_failing(
    client: MotilalClient, control: SimControl
) -> None:
    await control.faults(error_5xx=1.0, endpoints=["positions"])
    with pytest.raises(BrokerUnavailable, match="HTTP 503"):
        await client.positions()
    assert (await control.counters())["requests"]["positions"] == 3


async def test_server_down_refuses_calls_then_recovers(
    client: MotilalClient, control: SimControl
) -> None:
    await control.down(0.6)
    with pytest.raises(UnknownOutcome):
        await client.place_order(limit("1470.00"))
    await asyncio.sleep(0.7)
    assert (await client.place_order(limit("1470.00"))).unique_order_id


async def test_latency_is_applied(client: MotilalClient, control: SimControl) -> None:
    await control.faults(latency_ms=200)
    started = time.monotonic()
    await client.order_book()
    assert time.monotonic() - started >= 0.2
