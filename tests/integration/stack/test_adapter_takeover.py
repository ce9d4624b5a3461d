"""A dead broker-adapter replica's open orders are followed by a live one, without a process
start (issue 13, scale-out; tracking/takeover.py).

On the stack's real PostgreSQL, in a schema of this test's own: replicas beat with their
lease renewals; once a replica's beat lapses exactly one live replica of its pool takes it
over, and gets the open orders whose place or modify command the gone one ran; a replica
that beats again is its own again.

Then on the session stack, with two adapter processes: the one that placed a resting order
is killed (and not started again), the order fills at the simulator, and the survivor
reports the fill (accounts 226-229 are this test's: tests/conftest.py).
"""

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator
from datetime import date
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from broker_adapter.egress import EgressPools
from broker_adapter.execution import store_inbox, store_intents
from broker_adapter.execution.intents import Intent, IntentState
from broker_adapter.execution.store_intents import FillClaim, Settlement
from broker_adapter.tracking import store_followers
from common.contracts.commands import ModifyOrder, PlaceOrder
from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderFilled
from common.enums import Exchange, OrderType, Side, TradeType
from common.ids import new_id
from common.topics import ORDER_COMMANDS, ORDER_EVENTS
from factories import make
from schemas import migrated_pool
from stack.testing import TestStack
from waiting import clear_of_ist_midnight, wait_for

MIGRATIONS = Path(store_inbox.__file__).parents[1] / "migrations"
LIVE_S = 60.0
"""The lease of a replica that stays alive through a test."""
DYING_S = 0.5
"""The lease of a replica about to die: it stops beating and its beat lapses."""
DAY = date(2026, 11, 30)
HCLTECH = Instrument(
    token=7229, exchange=Exchange.NSE, symbol="HCLTECH", lot_size=1, tick_size=Decimal("0.05")
)
LIMIT = Decimal("1555.00")
"""4 % below HCLTECH's mid band price (1620): the buy rests until the price is moved."""
ACCOUNT = 226
"""The simulator account this test trades (226-229 are this module's)."""


@pytest.fixture
async def pool(stack: TestStack) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(stack.postgres_dsn, "broker_adapter", MIGRATIONS) as pool:
        yield pool


def intent(order_id: str, client_id: str) -> Intent:
    return Intent(
        order_id=order_id, client_id=client_id, tag=f"T{order_id}", state=IntentState.INTENT,
        instrument=HCLTECH, side=Side.BUY, trade_type=TradeType.INTRADAY, product="VALUEPLUS",
        order_type=OrderType.LIMIT, quantity=10, price=Decimal("1600"), trigger_price=None,
        sent_order_type=OrderType.LIMIT, sent_price=Decimal("1600"),
        sent_trigger_price=Decimal(0), protected=False, broker_order_id=None,
        broker_status=None, filled_quantity=0, terminal_event=None, correlation_id="b1",
        causation_id="c1", actor="test", place_attempts=1,
    )  # fmt: skip


async def ran(pool: asyncpg.Pool, replica: str, command: PlaceOrder | ModifyOrder) -> None:
    """`replica` ran the command (its inbox row, finished); a place leaves its order PLACED."""
    (row,) = await store_inbox.store_commands(pool, [command], replica, LIVE_S)
    await store_inbox.finish_many(pool, [(row.seq, "done")])
    if isinstance(command, PlaceOrder):
        ((stored, _),) = await store_intents.record_intents(
            pool, [intent(command.order_id, command.client_id)]
        )
        await store_intents.place_many(pool, [(stored, f"U{command.order_id}")], DAY)


async def beat(pool: asyncpg.Pool, replica: str, lease_s: float = LIVE_S) -> list[str]:
    return await store_followers.beat_and_take_over(pool, replica, lease_s)


async def test_a_gone_replicas_open_orders_pass_to_one_live_replica_of_its_pool(
    pool: asyncpg.Pool,
) -> None:
    a, b, c = (EgressPools().inbox_owner() for _ in range(3))
    elsewhere = EgressPools.of("mumbai-a", ("default", "mumbai-a")).inbox_owner()
    for replica in (b, c, elsewhere):
        assert await beat(pool, replica) == []
    assert await beat(pool, a, DYING_S) == []
    # a placed o1 (open, one fill reported) and o2 (ended since); b placed o3 and o4, and
    # a modified o4 (so a's tracker followed it too)
    await ran(pool, a, make(PlaceOrder, order_id="o1", client_id="c1"))
    await ran(pool, a, make(PlaceOrder, order_id="o2", client_id="c2"))
    await ran(pool, b, make(PlaceOrder, order_id="o3", client_id="c3"))
    await ran(pool, b, make(PlaceOrder, order_id="o4", client_id="c4"))
    await ran(pool, a, make(ModifyOrder, order_id="o4", client_id="c4"))
    o2 = (await store_intents.get_intents(pool, ["o2"]))["o2"]
    await store_intents.settle_many(pool, [Settlement(o2, "order.canceled", "Cancel")], DAY)
    fill = FillClaim("c1", "NSE", DAY, "T9", "o1", 4, 4, False, "{}")
    assert await store_intents.claim_fills(pool, [fill]) == [True]

    await asyncio.sleep(DYING_S * 2)  # a stops beating: it died
    assert await beat(pool, elsewhere) == []  # another pool's replica never takes it
    assert await beat(pool, b) == [a]
    assert await beat(pool, c) == []  # b, alive, took it: one heir
    orders = await store_followers.open_orders_of(pool, [a])
    assert [(i.order_id, reported) for i, reported in orders] == [
        ("o1", frozenset({"T9"})),
        ("o4", frozenset()),
    ]
    bs = await store_followers.open_orders_of(pool, [b])
    assert [i.order_id for i, _ in bs] == ["o3", "o4"]  # b placed both

    assert await beat(pool, b, 0.0) == []  # b dies too: its own and a's pass to c
    assert await beat(pool, c) == sorted([a, b])
    # a comes back, then dies again: beating made it its own again, so it is taken again
    assert await beat(pool, a, DYING_S) == []
    await asyncio.sleep(DYING_S * 2)
    assert await beat(pool, c) == [a]


# ---- on the session stack: two adapter processes, the placer killed -----------------------


@contextlib.asynccontextmanager
async def _events(stack: TestStack, order_id: str) -> AsyncIterator[list[Message]]:
    """The events of `order_id` on orders.events.v1 from now on, as they come."""
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    parts = [TopicPartition(ORDER_EVENTS.name, p) for p in range(ORDER_EVENTS.partitions)]
    consumer.assign(parts)
    await consumer.seek_to_end(*parts)
    for part in parts:  # pin the end now: the seek is lazy
        await consumer.position(part)
    seen: list[Message] = []

    async def pump() -> None:
        async for record in consumer:
            event = ORDER_EVENTS.parse(record.value)
            if getattr(event, "order_id", None) == order_id:
                seen.append(event)

    task = asyncio.create_task(pump())
    try:
        yield seen
    finally:
        task.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await task
        await consumer.stop()


async def _send(stack: TestStack, command: PlaceOrder) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap)
    await producer.start()
    try:
        key = ORDER_COMMANDS.key_of(command)
        await producer.send_and_wait(
            ORDER_COMMANDS.name, command.model_dump_json().encode(), key=key
        )
    finally:
        await producer.stop()


async def _set_price(sim: httpx.AsyncClient, price: Decimal) -> None:
    answer = await sim.post(
        "/sim/prices", json={"exchange": "NSE", "token": HCLTECH.token, "price": str(price)}
    )
    answer.raise_for_status()


async def _placer(stack: TestStack, replicas: list[str], order_id: str) -> str | None:
    """The replica that logged placing the order (its "placed as" line)."""
    for replica in replicas:
        if any(
            order_id in line and "placed as" in line for line in stack.log_of(replica).splitlines()
        ):
            return replica
    return None


async def _with(seen: list[Message], kind: str) -> Message | None:
    return next((e for e in seen if e.type == kind), None)


@pytest.mark.slow
@pytest.mark.timeout(300)
async def test_a_killed_adapters_resting_order_fills_and_a_live_replica_reports_it(
    stack: TestStack,
) -> None:
    accounts = json.loads(Path(stack.platform.extra_env["MOTILAL_SIM_ACCOUNTS"]).read_text())  # noqa: ASYNC240
    client = str(accounts[ACCOUNT]["client_code"]).upper()
    await stack.start_simulator()
    replicas = await stack.start_replicas("broker-adapter", 2)
    order = PlaceOrder(
        correlation_id=new_id(), actor="test", order_id=new_id(), client_id=client,
        instrument=HCLTECH, side=Side.BUY, order_type=OrderType.LIMIT,
        trade_type=TradeType.INTRADAY, quantity=3, price=LIMIT,
    )  # fmt: skip
    killed: str | None = None
    try:
        await clear_of_ist_midnight()
        async with (
            httpx.AsyncClient(base_url=stack.simulator_url, timeout=30) as sim,
            _events(stack, order.order_id) as seen,
        ):
            await _set_price(sim, Decimal("1620.00"))  # mid band (1458-1782)
            await _send(stack, order)
            await wait_for(lambda: _with(seen, "order.accepted"), 60, "the order accepted")
            killed = await wait_for(
                lambda: _placer(stack, replicas, order.order_id), 30, "the placer's log line"
            )
            (survivor,) = [r for r in replicas if r != killed]
            stack.kill(killed)  # and not started again until the end
            await _set_price(sim, LIMIT - Decimal("0.50"))  # the order fills at the broker

            filled = await wait_for(lambda: _with(seen, "order.filled"), 90, "the fill reported")
            assert isinstance(filled, OrderFilled) and filled.quantity == 3
            assert stack.platform.supervisor.children[killed].process.poll() is not None
            assert "are gone: following" in stack.log_of(survivor)
            assert [e.type for e in seen].count("order.filled") == 1
    finally:
        if killed == replicas[0]:
            await stack.restart(killed)  # the session's adapter, as other tests expect
        for name in replicas[1:]:
            if name != killed:
                stack.kill(name, signal.SIGTERM)
