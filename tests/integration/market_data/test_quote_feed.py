"""The quote feed against the simulator: quotes flow, a dropped feed reconnects and
re-subscribes, and an unreachable feed falls back to REST polling (degraded, still ready)."""

import asyncio
import time
from collections.abc import Awaitable, Callable, Iterator
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderCanceled, OrderSubmitted
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.ids import new_id
from common.redis_keys import quote_key
from common.topics import ORDER_EVENTS, QUOTES
from factories import make
from market_data_testkit import MarketDataProcess, market_data_process
from motilal_sim.testing import RunningSimulator
from redis.asyncio import Redis
from stack.testing import TestStack, free_port

YESBANK = 11915
IDEA = 14366


async def eventually(check: Callable[[], Awaitable[Any]], seconds: float, what: str) -> Any:
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.2)
    raise AssertionError(f"{what} within {seconds} s (last seen: {last!r})")


async def watch(redis: Redis, member: str) -> None:
    await redis.zadd("watch:tokens", {member: time.time() + 300}, gt=True)


async def set_price(sim: RunningSimulator, token: int, price: str) -> None:
    async with httpx.AsyncClient(base_url=sim.base_url) as http:
        response = await http.post(
            "/sim/prices", json={"exchange": "NSE", "token": token, "price": price}
        )
        response.raise_for_status()


def ltp_is(redis: Redis, token: int, price: str) -> Callable[[], Awaitable[bool]]:
    async def check() -> bool:
        raw = await redis.get(quote_key(Exchange.NSE, token))
        return raw is not None and QUOTES.parse(raw).ltp == Decimal(price)  # type: ignore[attr-defined]

    return check


async def feed_status(md: MarketDataProcess) -> dict[str, Any]:
    async with httpx.AsyncClient(base_url=md.url, headers=md.headers) as http:
        body: dict[str, Any] = (await http.get("/internal/feed")).json()
        return body


@pytest.fixture(scope="module")
def live_md(stack: TestStack, private_sim: RunningSimulator) -> Iterator[MarketDataProcess]:
    with market_data_process(stack, 3, private_sim.env()) as md:
        yield md


async def test_feed_watched_token_quote_reaches_redis_and_kafka(
    live_md: MarketDataProcess, private_sim: RunningSimulator, stack: TestStack
) -> None:
    from aiokafka import AIOKafkaConsumer

    redis = Redis.from_url(live_md.redis_url, decode_responses=True)
    consumer = AIOKafkaConsumer(
        QUOTES.name, bootstrap_servers=stack.kafka_bootstrap, auto_offset_reset="latest"
    )
    await consumer.start()
    try:
        await watch(redis, str(YESBANK))
        await eventually(
            lambda: _subscribed(live_md, f"NSE:{YESBANK}"), 20, "YESBANK subscribed on the feed"
        )
        await asyncio.sleep(0.5)  # let the consumer's "latest" position settle
        await set_price(private_sim, YESBANK, "23.45")
        await eventually(ltp_is(redis, YESBANK, "23.45"), 20, "quote:NSE:11915 shows 23.45")

        async def on_kafka() -> Quote | None:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    quote = QUOTES.parse(record.value)
                    if not isinstance(quote, Quote) or quote.token != YESBANK:
                        continue
                    assert record.key == b"11915"  # keyed by token (v1)
                    if quote.ltp == Decimal("23.45"):
                        return quote
            return None

        quote = await eventually(on_kafka, 20, "a 23.45 YESBANK quote on marketdata.quotes.v1")
        assert quote.exchange == "NSE"
    finally:
        await consumer.stop()
        await redis.aclose()


async def _subscribed(md: MarketDataProcess, key: str) -> bool:
    status = await feed_status(md)
    return bool(status["connected"]) and key in status["subscribed"]


async def test_feed_dropped_by_simulator_reconnects_and_resubscribes(
    live_md: MarketDataProcess, private_sim: RunningSimulator
) -> None:
    redis = Redis.from_url(live_md.redis_url, decode_responses=True)
    try:
        await watch(redis, str(IDEA))
        await eventually(lambda: _subscribed(live_md, f"NSE:{IDEA}"), 20, "IDEA subscribed")
        before = (await feed_status(live_md))["connects"]

        async with httpx.AsyncClient(base_url=private_sim.base_url) as http:
            (await http.post("/sim/down", json={"seconds": 3})).raise_for_status()

        async def down() -> bool:
            return not (await feed_status(live_md))["connected"]

        await eventually(down, 10, "the feed seen as disconnected")
        async with httpx.AsyncClient(base_url=live_md.url, headers=live_md.headers) as http:
            ready = await http.get("/ready")
        assert ready.status_code == 200

        async def back() -> bool:
            status = await feed_status(live_md)
            return bool(status["connected"]) and status["connects"] > before

        await eventually(back, 30, "the feed reconnected")
        await set_price(private_sim, IDEA, "10.55")
        await eventually(ltp_is(redis, IDEA, "10.55"), 20, "a quote after the reconnect")
        assert f"NSE:{IDEA}" in (await feed_status(live_md))["subscribed"]
    finally:
        await redis.aclose()


async def test_feed_unreachable_polls_ltp_over_rest_and_stays_ready(
    stack: TestStack, private_sim: RunningSimulator
) -> None:
    dead_feed = f"ws://127.0.0.1:{free_port()}/jwebsocket/jwebsocket"
    env = {**private_sim.env(), "MOTILAL_FEED_URL": dead_feed}
    with market_data_process(stack, 4, env) as md:
        redis = Redis.from_url(md.redis_url, decode_responses=True)
        try:
            await watch(redis, str(YESBANK))
            await set_price(private_sim, YESBANK, "22.10")
            await eventually(ltp_is(redis, YESBANK, "22.10"), 30, "a polled quote in Redis")
            async with httpx.AsyncClient(base_url=md.url, headers=md.headers) as http:
                ready = await http.get("/ready")
                metrics = (await http.get("/metrics")).text
            assert ready.status_code == 200
            assert ready.json()["note"].startswith("degraded: quote feed down")
            assert "market_data_feed_connected 0.0" in metrics
            assert (await feed_status(md))["polling_rest"] is True
        finally:
            await redis.aclose()


async def test_feed_order_submitted_subscribes_its_token_at_once_and_its_end_lets_it_go(
    live_md: MarketDataProcess, stack: TestStack
) -> None:
    # a token no other test trades: no position, order or watch elsewhere in the session
    # keeps it subscribed (LT, used before, is traded by the example-consumer test)
    lt = Instrument(token=16675, exchange=Exchange.NSE, symbol="BAJAJFINSV", lot_size=1,
                    tick_size=Decimal("0.05"))  # fmt: skip
    order_id = new_id()
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    try:
        submitted = make(OrderSubmitted, order_id=order_id, instrument=lt)
        await producer.send_and_wait(ORDER_EVENTS.name, submitted.model_dump_json().encode())
        # The handler's write wakes the subscription refresh at once; if another market-data
        # process of the session's stack took the partition, the 15 s backstop re-read does.
        await eventually(lambda: _subscribed(live_md, "NSE:16675"), 60, "the token subscribed")
        ended = make(OrderCanceled, order_id=order_id)
        await producer.send_and_wait(ORDER_EVENTS.name, ended.model_dump_json().encode())

        async def let_go() -> bool:
            return "NSE:16675" not in (await feed_status(live_md))["subscribed"]

        await eventually(let_go, 60, "the token unsubscribed after its only order ended")
    finally:
        await producer.stop()
