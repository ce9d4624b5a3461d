"""The broker-adapter's execution against the real simulator, Kafka and PostgreSQL.

PlaceOrder/ModifyOrder/CancelOrder commands are published straight to orders.commands.v1
(no order-router needed) and the adapter's answers are read from orders.events.v1. In the
embedded dev mode the adapter logs clients in from the simulator's demo accounts
(client_id = the account's client_code).
"""

import asyncio
import json
import time
from collections import defaultdict
from collections.abc import AsyncIterator, Callable
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer, TopicPartition
from common.contracts.commands import CancelOrder, ModifyOrder, PlaceOrder
from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.enums import Exchange, OrderType, Side, TradeType
from common.ids import new_id
from common.topics import ORDER_COMMANDS, ORDER_EVENTS
from motilal import Credentials, MotilalClient, MotilalSettings, tag_for
from motilal_sim.testing import generated_accounts
from orders_testkit import Trading
from stack.testing import TestStack

ACCOUNTS = json.loads(
    (Path(__file__).resolve().parents[3] / "data" / "sim-accounts.json").read_text()
)
# Accounts with an IP whitelist cannot log in from here (MO2035): their sessions FAIL.
LOCKED_OUT = {str(a["client_code"]).upper() for a in ACCOUNTS if a.get("allowed_ips")}
TERMINAL = {"order.filled", "order.rejected", "order.canceled"}


def instrument(symbol: str, token: int) -> Instrument:
    return Instrument(
        token=token, exchange=Exchange.NSE, symbol=symbol, lot_size=1, tick_size=Decimal("0.05")
    )


SBIN = instrument("SBIN", 3045)
MID_BAND = Decimal("960.00")
"""SBIN's price between its circuits (864-1056): 5 % below stays inside the band (the price
walks and earlier tests move it down; an order below the lower circuit is rejected, which
CI once saw as a lost-response order that never got accepted)."""
ICICI = instrument("ICICIBANK", 4963)
AXIS = instrument("AXISBANK", 5900)
KOTAK = instrument("KOTAKBANK", 1922)
ITC = instrument("ITC", 1660)
HDFC = instrument("HDFCBANK", 1333)
INFY = instrument("INFY", 1594)


class Events:
    """Every order event seen on orders.events.v1 since the fixture started, by order id."""

    def __init__(self, adapter_log: Callable[[], str] = str) -> None:
        self.by_order: dict[str, list[Message]] = defaultdict(list)
        self._adapter_log = adapter_log
        """The adapter's log so far: a timed-out wait shows what it said about the order."""

    def of(self, order_id: str) -> list[Message]:
        return self.by_order.get(order_id, [])

    def types(self, order_id: str) -> list[str]:
        return [e.type for e in self.of(order_id)]

    async def wait(
        self, check: Callable[[], bool], seconds: float = 60, what: str = "events"
    ) -> None:
        deadline = time.monotonic() + seconds
        while time.monotonic() < deadline:
            if check():
                return
            await asyncio.sleep(0.1)
        raise AssertionError(f"timed out waiting for {what}")

    async def wait_type(self, order_id: str, kind: str, seconds: float = 60) -> Message:
        try:
            await self.wait(lambda: kind in self.types(order_id), seconds)
        except AssertionError:
            said = [line for line in self._adapter_log().splitlines() if order_id in line]
            raise AssertionError(
                f"timed out waiting for {kind} of {order_id}; saw {self.types(order_id)}; "
                "the adapter said:\n" + "\n".join(said[-20:])
            ) from None
        return next(e for e in self.of(order_id) if e.type == kind)


@pytest.fixture(scope="module")
async def adapter(trading: Trading) -> AsyncIterator[str]:
    """The shared order path (orders_testkit): simulator with many accounts, adapter..."""
    yield trading.stack.url_of("broker-adapter")


@pytest.fixture(scope="module")
def clients(trading: Trading) -> list[str]:
    """Client ids (= simulator client codes) whose sessions can log in."""
    return [c for c in trading.clients if c not in LOCKED_OUT]


@pytest.fixture(scope="module")
async def events(stack: TestStack, adapter: str) -> AsyncIterator[Events]:
    seen = Events(lambda: stack.log_of("broker-adapter"))
    consumer = AIOKafkaConsumer(bootstrap_servers=stack.kafka_bootstrap, enable_auto_commit=False)
    await consumer.start()
    parts = [TopicPartition(ORDER_EVENTS.name, p) for p in range(ORDER_EVENTS.partitions)]
    consumer.assign(parts)
    await consumer.seek_to_end(*parts)

    async def pump() -> None:
        async for record in consumer:
            event = ORDER_EVENTS.parse(record.value)
            seen.by_order[getattr(event, "order_id", "")].append(event)

    task = asyncio.create_task(pump())
    await asyncio.sleep(0.5)
    yield seen
    task.cancel()
    await consumer.stop()


@pytest.fixture(scope="module")
async def commands(stack: TestStack) -> AsyncIterator[Callable[..., Any]]:
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, linger_ms=5)
    await producer.start()

    async def send(*messages: Message) -> None:
        futures = [
            await producer.send(
                ORDER_COMMANDS.name, m.model_dump_json().encode(), key=ORDER_COMMANDS.key_of(m)
            )
            for m in messages
        ]
        await asyncio.gather(*futures)

    yield send
    await producer.stop()


@pytest.fixture(scope="module")
async def sim(trading: Trading) -> AsyncIterator[httpx.AsyncClient]:
    async with trading.simulator() as client:
        yield client


async def ltp_of(sim: httpx.AsyncClient, inst: Instrument) -> Decimal:
    answer = await sim.get(f"/sim/prices/NSE/{inst.token}")
    answer.raise_for_status()
    return Decimal(answer.json()["ltp"])


async def set_price(sim: httpx.AsyncClient, inst: Instrument, price: Decimal) -> None:
    answer = await sim.post("/sim/prices", json={"exchange": "NSE", "token": inst.token,
                                                 "price": str(price)})  # fmt: skip
    answer.raise_for_status()


async def counters(sim: httpx.AsyncClient) -> dict[str, Any]:
    answer = await sim.get("/sim/counters")
    answer.raise_for_status()
    result: dict[str, Any] = answer.json()
    return result


def place(
    client_id: str,
    inst: Instrument,
    side: Side,
    quantity: int,
    *,
    order_type: OrderType = OrderType.LIMIT,
    price: Decimal | None = None,
    trigger: Decimal | None = None,
    batch: str | None = None,
) -> PlaceOrder:
    return PlaceOrder(
        correlation_id=batch or new_id(), actor="test", order_id=new_id(), client_id=client_id,
        instrument=inst, side=side, order_type=order_type, trade_type=TradeType.INTRADAY,
        quantity=quantity, price=price, trigger_price=trigger,
    )  # fmt: skip


def tick(price: Decimal) -> Decimal:
    return (price / Decimal("0.05")).quantize(Decimal(1)) * Decimal("0.05")


# Generated accounts are deterministic: a generous count covers the session's file.
ACCOUNTS = {str(a["client_code"]).upper(): a for a in generated_accounts(1000)}


async def broker_client(sim_url: str, client_code: str) -> MotilalClient:
    account = ACCOUNTS[client_code]
    client = MotilalClient(
        MotilalSettings(base_url=sim_url),
        Credentials(client_code=client_code, password=account["password"],
                    api_key=account["api_key"], two_fa=account["dob"],
                    totp_secret=account["totp_secret"]),
    )  # fmt: skip
    await client.login()
    return client


# ---- tests ------------------------------------------------------------------------------------


async def test_adapter_limit_order_rests_then_fills_when_price_crosses(
    events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    await set_price(sim, SBIN, MID_BAND)
    ltp = await ltp_of(sim, SBIN)
    limit = tick(ltp * Decimal("0.96"))
    order = place(clients[0], SBIN, Side.BUY, 3, price=limit)
    await commands(order)

    accepted = await events.wait_type(order.order_id, "order.accepted")
    assert accepted.sent_order_type is OrderType.LIMIT  # type: ignore[attr-defined]
    assert accepted.correlation_id == order.correlation_id
    assert accepted.causation_id == order.event_id
    await asyncio.sleep(2)
    assert "order.filled" not in events.types(order.order_id)

    await set_price(sim, SBIN, limit - Decimal("0.50"))
    filled = await events.wait_type(order.order_id, "order.filled")
    assert filled.quantity == 3  # type: ignore[attr-defined]
    assert filled.price <= limit  # type: ignore[attr-defined]
    assert filled.leaves_quantity == 0  # type: ignore[attr-defined]
    assert filled.instrument == SBIN  # type: ignore[attr-defined]
    await asyncio.sleep(2.5)  # a few more polls: the trade is reported once
    assert events.types(order.order_id).count("order.filled") == 1


async def test_adapter_partial_fills_reported_once_per_trade_number(
    events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    await sim.put("/sim/matching", json={"partial_fill_fraction": 0.5})
    try:
        ltp = await ltp_of(sim, ICICI)
        limit = tick(ltp * Decimal("0.96"))
        order = place(clients[1], ICICI, Side.BUY, 4, price=limit)
        await commands(order)
        await events.wait_type(order.order_id, "order.accepted")
        for step in range(1, 4):
            await set_price(sim, ICICI, limit - Decimal("0.05") * step)
            await asyncio.sleep(0.3)
        await events.wait_type(order.order_id, "order.filled")
    finally:
        await sim.put("/sim/matching", json={"partial_fill_fraction": 1.0})
    fills = [e for e in events.of(order.order_id) if e.type.endswith("filled")]
    assert [f.type for f in fills][:1] == ["order.partially_filled"]
    assert sum(f.quantity for f in fills) == 4  # type: ignore[attr-defined]
    assert len({f.trade_no for f in fills}) == len(fills)  # type: ignore[attr-defined]
    assert [f.filled_quantity for f in fills] == sorted(f.filled_quantity for f in fills)  # type: ignore[attr-defined]


async def test_adapter_cancel_and_modify_resting_order(
    events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    ltp = await ltp_of(sim, AXIS)
    low = tick(ltp * Decimal("0.95"))
    first = place(clients[2], AXIS, Side.BUY, 2, price=low)
    second = place(clients[2], AXIS, Side.BUY, 2, price=low)
    await commands(first, second)
    await events.wait_type(first.order_id, "order.accepted")
    await events.wait_type(second.order_id, "order.accepted")

    await commands(CancelOrder(**first.caused(order_id=first.order_id, client_id=clients[2])))
    canceled = await events.wait_type(first.order_id, "order.canceled")
    assert canceled.filled_quantity == 0  # type: ignore[attr-defined]

    new_price = low - Decimal("1.00")
    modify = ModifyOrder(
        **second.caused(order_id=second.order_id, client_id=clients[2]),
        instrument=AXIS, order_type=OrderType.LIMIT, quantity=5, price=new_price,
    )  # fmt: skip
    await commands(modify)
    modified = await events.wait_type(second.order_id, "order.modified")
    assert (modified.quantity, modified.price) == (5, new_price)  # type: ignore[attr-defined]
    await set_price(sim, AXIS, new_price - Decimal("0.05"))
    filled = await events.wait_type(second.order_id, "order.filled")
    assert filled.filled_quantity == 5  # type: ignore[attr-defined]


async def test_adapter_rejected_order_carries_the_book_status_and_reason(
    events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    # As Motilal: placement is answered, then RMS rejects it; the reason is in the book.
    order = place(clients[3], KOTAK, Side.BUY, 1, price=Decimal("9999.00"))  # above circuit
    await commands(order)
    rejected = await events.wait_type(order.order_id, "order.rejected")
    assert rejected.error_code == "REJECTED"  # type: ignore[attr-defined]
    assert "upper circuit" in rejected.reason  # type: ignore[attr-defined]
    assert "order.filled" not in events.types(order.order_id)


async def test_adapter_market_order_sent_as_protected_limit(
    events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    ltp = await ltp_of(sim, HDFC)
    order = place(clients[4], HDFC, Side.BUY, 1, order_type=OrderType.MARKET)
    await commands(order)
    accepted = await events.wait_type(order.order_id, "order.accepted")
    assert accepted.protected is True  # type: ignore[attr-defined]
    assert accepted.sent_order_type is OrderType.LIMIT  # type: ignore[attr-defined]
    sent = accepted.sent_price  # type: ignore[attr-defined]
    assert sent > ltp * Decimal("0.99")  # the walk may have moved a little
    assert sent % Decimal("0.05") == 0
    await events.wait_type(order.order_id, "order.filled")


async def test_adapter_cancel_of_filled_order_is_change_rejected_with_broker_code(
    events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    ltp = await ltp_of(sim, INFY)
    order = place(clients[5], INFY, Side.BUY, 1, price=tick(ltp * Decimal("1.02")))
    await commands(order)
    await events.wait_type(order.order_id, "order.filled")
    await commands(CancelOrder(**order.caused(order_id=order.order_id, client_id=clients[5])))
    refused = await events.wait_type(order.order_id, "order.change_rejected")
    assert refused.change == "cancel"  # type: ignore[attr-defined]
    assert refused.error_code == "MO1067"  # type: ignore[attr-defined]


async def test_adapter_lost_response_order_found_by_tag_not_placed_twice(
    stack: TestStack, events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    client_code = clients[6]
    before = (await counters(sim)).get("place_calls", {}).get(client_code, 0)
    await sim.put("/sim/faults", json={"lost_response": 1.0, "endpoints": ["place_order"]})
    try:
        await set_price(sim, SBIN, MID_BAND)
        ltp = await ltp_of(sim, SBIN)
        order = place(client_code, SBIN, Side.BUY, 1, price=tick(ltp * Decimal("0.95")))
        await commands(order)
        await events.wait_type(order.order_id, "order.accepted")
    finally:
        await sim.put("/sim/faults", json={})
    after = (await counters(sim)).get("place_calls", {}).get(client_code, 0)
    assert after - before == 1
    client = await broker_client(stack.simulator_url, client_code)
    try:
        assert len(await client.orders_with_tag(tag_for(order.order_id))) == 1
    finally:
        await client.aclose()
    assert "order.rejected" not in events.types(order.order_id)


async def test_adapter_per_client_throttle_holds_and_other_clients_not_slowed(
    stack: TestStack, events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    busy, others = clients[-1], clients[:5]
    before = await counters(sim)
    await set_price(sim, ITC, Decimal("405.00"))  # mid-band: 10% below stays above the circuit
    ltp = await ltp_of(sim, ITC)
    price = tick(ltp * Decimal("0.9"))  # resting: nothing fills, nothing needs margin twice
    burst = [place(busy, ITC, Side.BUY, 1, price=price) for _ in range(30)]
    quiet = [place(c, ITC, Side.BUY, 1, price=price) for c in others]
    await commands(*burst)
    await commands(*quiet)
    for order in burst + quiet:  # generous: a loaded 2-core machine is slow, not wrong
        await events.wait_type(order.order_id, "order.accepted", seconds=180)

    after = await counters(sim)
    limited = after.get("rate_limited", {}).get(busy, 0) - before.get("rate_limited", {}).get(
        busy, 0
    )
    assert limited == 0, "the adapter sent more than 10 orders in a second for one client"
    broker_id = {
        o.order_id: int(next(e for e in events.of(o.order_id) if e.type == "order.accepted")
                        .broker_order_id)  # type: ignore[attr-defined]
        for o in burst + quiet
    }  # fmt: skip
    last_busy = max(broker_id[o.order_id] for o in burst)
    # Clients behind a busy one in the same Kafka batch are placed while it is still throttled.
    assert all(broker_id[o.order_id] < last_busy for o in quiet)
    for order in burst + quiet:
        await commands(
            CancelOrder(**order.caused(order_id=order.order_id, client_id=order.client_id))
        )
    for order in burst + quiet:
        await events.wait_type(order.order_id, "order.canceled", seconds=90)


def reads_of(counted: dict[str, Any], endpoint: str, client_id: str) -> int:
    return int(counted.get("reads", {}).get(endpoint, {}).get(client_id, 0))


async def until_read(
    sim: httpx.AsyncClient, endpoint: str, wanted: dict[str, int]
) -> dict[str, Any]:
    """Waits until each client's reads of `endpoint` reach the wanted count."""
    deadline = time.monotonic() + 60
    while time.monotonic() < deadline:
        counted = await counters(sim)
        if all(reads_of(counted, endpoint, c) >= n for c, n in wanted.items()):
            return counted
        await asyncio.sleep(0.2)
    raise AssertionError(f"{endpoint} not read for {wanted}")


async def test_adapter_follows_orders_on_their_stream_and_reads_books_only_to_recover(
    events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    group = clients[5:9]
    start = await counters(sim)
    warm = [place(c, KOTAK, Side.BUY, 1, order_type=OrderType.MARKET) for c in group]
    await commands(*warm)  # opens each client's stream (a late one is caught up by a read)
    for order in warm:
        await events.wait_type(order.order_id, "order.filled")
    # once its fills settle, each client's positions are read once
    before = await until_read(
        sim, "positions", {c: reads_of(start, "positions", c) + 1 for c in group}
    )

    batch = [place(c, KOTAK, Side.BUY, 1, order_type=OrderType.MARKET) for c in group]
    await commands(*batch)
    for order in batch:
        await events.wait_type(order.order_id, "order.filled")
    after = await until_read(
        sim, "positions", {c: reads_of(before, "positions", c) + 1 for c in group}
    )
    for client_id in group:  # the stream brought every fill: no book was read for them
        assert reads_of(after, "order_book", client_id) == reads_of(before, "order_book", client_id)
        assert reads_of(after, "trade_book", client_id) == reads_of(before, "trade_book", client_id)
        assert (
            reads_of(after, "positions", client_id) == reads_of(before, "positions", client_id) + 1
        )
    assert all(events.types(o.order_id).count("order.filled") == 1 for o in warm + batch)


async def test_adapter_failed_session_rejects_with_session_code_and_reason(
    events: Events, commands: Any
) -> None:
    order = place(sorted(LOCKED_OUT)[0], SBIN, Side.BUY, 1, price=Decimal("900.00"))
    await commands(order)
    rejected = await events.wait_type(order.order_id, "order.rejected")
    assert rejected.error_code == "SESSION"  # type: ignore[attr-defined]
    assert "MO2035" in rejected.reason  # type: ignore[attr-defined]


@pytest.mark.slow
@pytest.mark.timeout(480)
async def test_adapter_killed_mid_burst_every_order_terminal_no_duplicates(
    stack: TestStack, events: Events, commands: Any, sim: httpx.AsyncClient, clients: list[str]
) -> None:
    ltp = await ltp_of(sim, ITC)
    price = tick(ltp * Decimal("1.03"))  # marketable: fills at once
    batch = new_id()
    burst_clients = clients[:200]
    orders = [place(burst_clients[i % len(burst_clients)], ITC, Side.BUY, 1, price=price,
                    batch=batch) for i in range(200)]  # fmt: skip
    placed_before = (await sim.get("/sim/counters")).json().get("orders_placed", {})
    await commands(*orders)
    await events.wait(
        lambda: sum(1 for o in orders if events.of(o.order_id)) >= 20, 60, "first orders"
    )
    stack.kill("broker-adapter")
    await stack.restart("broker-adapter")

    def all_terminal() -> bool:
        return all(TERMINAL & set(events.types(o.order_id)) for o in orders)

    await events.wait(all_terminal, 240, "every order terminal")
    assert all("order.filled" in events.types(o.order_id) for o in orders)

    # The simulator counts orders it took per client: exactly one per platform order.
    after = (await sim.get("/sim/counters")).json().get("orders_placed", {})
    for code in burst_clients:
        wanted = sum(1 for o in orders if o.client_id == code)
        placed = after.get(code, 0) - placed_before.get(code, 0)
        assert placed == wanted, f"{code}: the broker took {placed} orders, expected {wanted}"
