"""A dead broker-adapter replica's open orders are followed by a live one, without a process
start (issue 13, scale-out; tracking/takeover.py).

On the session stack, with two adapter processes: the one that placed a resting order is
killed (and not started again), the order fills at the simulator, and the survivor reports
the fill (accounts 226-229 are this test's: tests/conftest.py). Which replica takes over
which, and which orders it gets, is tested on PostgreSQL alone in test_adapter_inbox_leases.py.
"""

import asyncio
import contextlib
import json
import signal
from collections.abc import AsyncIterator
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from common.contracts.commands import PlaceOrder
from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderFilled
from common.enums import Exchange, OrderType, Side, TradeType
from common.ids import new_id
from common.topics import ORDER_COMMANDS, ORDER_EVENTS
from stack.testing import TestStack
from waiting import clear_of_ist_midnight, wait_for

HCLTECH = Instrument(
    token=7229, exchange=Exchange.NSE, symbol="HCLTECH", lot_size=1, tick_size=Decimal("0.05")
)
LIMIT = Decimal("1555.00")
"""4 % below HCLTECH's mid band price (1620): the buy rests until the price is moved."""
ACCOUNT = 226
"""The simulator account this test trades (226-229 are this module's)."""


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
