"""The order-router's state on a real PostgreSQL: account copies shared by replicas, and
order events applied in batches (once, through the transition table)."""

import asyncio
import secrets
import time as clock
from collections.abc import AsyncIterator
from dataclasses import replace
from datetime import UTC, datetime, time, timedelta
from decimal import Decimal
from pathlib import Path

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from common.contracts.accounts import ClientUpserted, MarginRow, MarginSnapshot
from common.contracts.order_events import (
    OrderAccepted,
    OrderCanceled,
    OrderFilled,
    OrderPartiallyFilled,
)
from common.contracts.order_updates import OrderUpdated
from common.contracts.quotes import Quote
from common.contracts.requests import (
    BatchRequested,
    CancelRequested,
    ClientOrder,
    KillSwitchRequested,
)
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType
from common.kafka import Publisher, build_broker
from common.redis_keys import quote_key
from common.settings import ServiceSettings
from common.topics import ORDER_UPDATES
from common.trading_days import trading_date
from factories import LIMIT_TERMS, NOW, RELIANCE, make
from order_router import (
    client_locks,
    store_accounts,
    store_kill_switches,
    store_margin_holds,
    store_orders,
    store_risk,
)
from order_router.accounts import AccountBook, AccountCopies
from order_router.client_locks import slot
from order_router.events import EventApplier
from order_router.expiry import IST, Expiry
from order_router.intake import Intake
from order_router.lookups import InstrumentCache, PositionLookup
from order_router.orders import Order
from order_router.risk import KillSwitch, RiskConfig, Rule
from order_router.risk_blocks import active_blocks_of, deny
from order_router.store_client_locks import LOCK_SPACE
from order_router.working_orders import WorkingOrderChanges
from orders_testkit import wait_for
from redis.asyncio import Redis
from schemas import migrated_pool
from stack.testing import TestStack

MIGRATIONS = Path(store_orders.__file__).parent / "migrations"


@pytest.fixture
async def pool(stack: TestStack) -> AsyncIterator[asyncpg.Pool]:
    """The router's tables in a schema of this test's own."""
    async with migrated_pool(stack.postgres_dsn, "order_router", MIGRATIONS) as pool:
        yield pool


async def replica(pool: asyncpg.Pool, dsn: str) -> AccountCopies:
    async def connect() -> asyncpg.Connection:
        connection: asyncpg.Connection = await asyncpg.connect(dsn)
        return connection

    copies = AccountCopies(pool, AccountBook(), connect)
    await copies.start()
    return copies


def submitted(order_id: str, client_id: str = "c1") -> Order:
    return Order(
        order_id=order_id,
        batch_id="b1",
        client_id=client_id,
        instrument=RELIANCE,
        execution_type=ExecutionType.BUY,
        side=Side.BUY,
        order_type=OrderType.LIMIT,
        trade_type=TradeType.INTRADAY,
        quantity=10,
        price=Decimal("2500.05"),
        trigger_price=None,
        tag=None,
        status=OrderStatus.SUBMITTED,
        actor="trader1",
        correlation_id="b1",
        risk_notes=("price band not checked: no quote for this token yet",),
    )


BATCH = store_orders.BatchRow(
    "b1", "batch.requested", 2885, "NSE", "BUY", "LIMIT", "INTRADAY", None, None, None, "t", 2
)


async def test_account_copies_kill_switch_and_clients_reach_the_other_replica(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    one = await replica(pool, stack.postgres_dsn)
    other = await replica(pool, stack.postgres_dsn)
    try:
        await one.set_kill_switch(
            store_kill_switches.GLOBAL_SCOPE, True, "halt everything", "admin"
        )
        await wait_for(
            lambda: _async(other.book.kill_switch().global_reason == "halt everything"),
            10,
            "the other replica to see the global kill switch",
        )
        await one.on_clients([make(ClientUpserted, client_id="c9", active=False)])
        await one.on_margins(
            [
                make(
                    MarginSnapshot,
                    client_id="c9",
                    report="summary",
                    rows=(MarginRow(srno=102, particulars="avail", amount=Decimal("5000")),),
                    taken_at=NOW,
                )
            ]
        )
        await wait_for(
            lambda: _async("c9" in other.book.facts(["c9"]).margin_rows),
            10,
            "the other replica to see c9's client copy and margin",
        )
        facts = other.book.facts(["c9"])
        assert facts.clients["c9"].active is False
        assert facts.margin_rows["c9"] == {102: Decimal("5000")}
        await one.set_kill_switch(store_kill_switches.GLOBAL_SCOPE, False, "resume", "admin")
        await wait_for(
            lambda: _async(other.book.kill_switch().global_reason is None),
            10,
            "the other replica to see the release",
        )
        restarted = await replica(pool, stack.postgres_dsn)  # loads once from the tables
        assert restarted.book.facts(["c9"]) == other.book.facts(["c9"])
        assert restarted.book.kill_switch().global_reason is None
        await restarted.close()
    finally:
        await one.close()
        await other.close()


async def test_account_copies_older_client_message_changes_nothing(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    copies = await replica(pool, stack.postgres_dsn)
    try:
        newer = make(ClientUpserted, client_id="c7", active=False, occurred_at=NOW)
        older = make(ClientUpserted, client_id="c7", active=True, occurred_at=NOW.replace(hour=1))
        await copies.on_clients([newer])
        await copies.on_clients([older])
        assert copies.book.facts(["c7"]).clients["c7"].active is False
        stored = await store_accounts.load_accounts(pool, ["c7"])
        assert stored.clients["c7"].value.active is False
    finally:
        await copies.close()


async def test_orders_insert_returns_only_new_ids_and_keeps_risk_notes(pool: asyncpg.Pool) -> None:
    orders = [submitted("o1"), submitted("o2", "c2")]
    assert await store_orders.insert_batch_orders(pool, [BATCH], orders) == {"o1", "o2"}
    again = [replace(o, status=OrderStatus.DENIED) for o in orders]
    assert await store_orders.insert_batch_orders(pool, [BATCH], again) == set()
    stored = await store_orders.orders_by_id(pool, ["o1", "o2"])
    assert {o.status for o in stored.values()} == {OrderStatus.SUBMITTED}
    assert stored["o1"].risk_notes == orders[0].risk_notes
    assert stored["o1"].price == Decimal("2500.05")


async def test_order_events_batch_applied_once_and_illegal_transition_refused(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    await store_orders.insert_batch_orders(pool, [BATCH], [submitted("o1"), submitted("o2", "c2")])
    broker = build_broker(ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap), "applier-test")
    await broker.start()
    updates = await UpdateReader.start(stack.kafka_bootstrap)
    applier = EventApplier(pool, Publisher(broker), KillSwitch)
    fill = {"order_id": "o1", "client_id": "c1", "price": Decimal("2500")}
    events = [
        make(OrderAccepted, order_id="o1", client_id="c1", broker_order_id="B1"),
        make(OrderPartiallyFilled, **fill, trade_no="T1", quantity=4, filled_quantity=4,
             leaves_quantity=6),
        make(OrderFilled, **fill, trade_no="T2", quantity=6, filled_quantity=10,
             leaves_quantity=0),
        make(OrderAccepted, order_id="o2", client_id="c2", broker_order_id="B2"),
    ]  # fmt: skip
    last = make(OrderCanceled, order_id="o2", client_id="c2")
    updates.causes = {e.event_id for e in [*events, last]}
    try:
        await applier.handle(events)
        await applier.handle(events)  # redelivered: nothing applied twice
        # a fill already recorded, arriving under another event id, is not applied again
        await applier.handle([make(OrderFilled, **fill, trade_no="T2", quantity=6)])
        # the table has no ACCEPTED after FILLED: refused, logged, never applied
        await applier.handle(
            [make(OrderAccepted, order_id="o1", client_id="c1", broker_order_id="X")]
        )
        stored = await store_orders.orders_by_id(pool, ["o1", "o2"])
        # a last, legal event: once its update is read, every update before it was too
        await applier.handle([last])
        published = await updates.until("o2", OrderStatus.CANCELED)
    finally:
        await updates.stop()
        await broker.stop()
    # the router publishes each applied event's resulting status, from its own table
    assert [(u.order_id, u.status, u.event.type) for u in published] == [
        ("o1", OrderStatus.ACCEPTED, "order.accepted"),
        ("o1", OrderStatus.PARTIALLY_FILLED, "order.partially_filled"),
        ("o1", OrderStatus.FILLED, "order.filled"),
        ("o2", OrderStatus.ACCEPTED, "order.accepted"),
        ("o2", OrderStatus.CANCELED, "order.canceled"),
    ]
    assert stored["o1"].status is OrderStatus.FILLED
    assert stored["o1"].filled_quantity == 10
    assert stored["o1"].average_price == Decimal("2500")
    assert stored["o1"].broker_order_id == "B1"
    assert stored["o2"].status is OrderStatus.ACCEPTED
    assert stored["o2"].broker_order_id == "B2"


async def test_fill_status_comes_from_quantities_not_from_the_event_type(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    await store_orders.insert_batch_orders(pool, [BATCH], [submitted("o1")])
    broker = build_broker(ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap), "applier-test")
    await broker.start()
    try:
        applier = EventApplier(pool, Publisher(broker), KillSwitch)
        fill = {"order_id": "o1", "client_id": "c1", "price": Decimal("2500")}
        # the adapter calls both trades "filled"; only the second completes the 10 shares
        await applier.handle([
            make(OrderFilled, **fill, trade_no="T1", quantity=4, filled_quantity=4),
        ])  # fmt: skip
        first = (await store_orders.orders_by_id(pool, ["o1"]))["o1"]
        await applier.handle([
            make(OrderFilled, **fill, trade_no="T2", quantity=6, filled_quantity=10),
        ])  # fmt: skip
        second = (await store_orders.orders_by_id(pool, ["o1"]))["o1"]
    finally:
        await broker.stop()
    assert (first.status, first.filled_quantity) == (OrderStatus.PARTIALLY_FILLED, 4)
    assert (second.status, second.filled_quantity) == (OrderStatus.FILLED, 10)


class UpdateReader:
    """orders.updates.v1 from its end at start: the updates caused by `causes` (event ids)."""

    def __init__(self, consumer: AIOKafkaConsumer) -> None:
        self.consumer = consumer
        self.causes: set[str] = set()
        self.seen: list[OrderUpdated] = []

    @classmethod
    async def start(cls, bootstrap: str) -> "UpdateReader":
        consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, enable_auto_commit=False)
        await consumer.start()
        parts = [TopicPartition(ORDER_UPDATES.name, p) for p in range(ORDER_UPDATES.partitions)]
        consumer.assign(parts)
        await consumer.seek_to_end(*parts)
        for part in parts:  # resolve the end offsets now, before anything is published
            await consumer.position(part)
        return cls(consumer)

    async def until(self, order_id: str, status: OrderStatus) -> list[OrderUpdated]:
        async def arrived() -> bool:
            batches = await self.consumer.getmany(timeout_ms=200)
            for record in (r for records in batches.values() for r in records):
                update = ORDER_UPDATES.parse(record.value)
                if isinstance(update, OrderUpdated) and update.causation_id in self.causes:
                    self.seen.append(update)
            return any(u.order_id == order_id and u.status is status for u in self.seen)

        await wait_for(arrived, 30, f"the update of {order_id} to {status}")
        return sorted(self.seen, key=lambda u: (u.order_id, u.updated_at))

    async def stop(self) -> None:
        await self.consumer.stop()


async def test_expiry_ends_open_orders_of_past_days_and_leaves_finished_ones(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    yesterday = datetime.now(UTC) - timedelta(days=1)
    working = replace(submitted("o1"), created_at=yesterday)
    filled = replace(submitted("o2"), status=OrderStatus.FILLED, created_at=yesterday)
    today = submitted("o3")
    await store_orders.insert_batch_orders(pool, [BATCH], [working, filled, today])
    settings = ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap)
    broker = build_broker(settings, "router-state-test")
    await broker.start()
    try:
        # cutoff at the end of the day just before now: only yesterday's open order ends
        cutoff = (datetime.now(UTC) - timedelta(minutes=1)).astimezone(IST).time()
        expiry = Expiry(pool, Publisher(broker), time(cutoff.hour, cutoff.minute), 60)
        expired = await expiry.expire_open_orders()
    finally:
        await broker.stop()
    assert [o.order_id for o in expired] == ["o1"]
    stored = await store_orders.orders_by_id(pool, ["o1", "o2", "o3"])
    assert {k: o.status for k, o in stored.items()} == {
        "o1": OrderStatus.EXPIRED,
        "o2": OrderStatus.FILLED,
        "o3": OrderStatus.SUBMITTED,
    }


async def test_intake_kill_switch_and_batch_in_one_kafka_batch_then_redelivery(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    copies = await replica(pool, stack.postgres_dsn)
    nowhere = httpx.AsyncClient(base_url="http://127.0.0.1:9")  # never asked: all cached
    instruments = InstrumentCache(nowhere, 3600, 1)
    # tokens of its own: RELIANCE's quote in the shared Redis depends on what ran before
    unquoted = RELIANCE.model_copy(update={"token": 980000 + secrets.randbelow(9999)})
    instruments._cache[(unquoted.token, None)] = (clock.monotonic() + 3600, unquoted)
    quoted = RELIANCE.model_copy(update={"token": 990000 + secrets.randbelow(9999)})
    instruments._cache[(quoted.token, None)] = (clock.monotonic() + 3600, quoted)
    broker = build_broker(ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap), "router-test")
    redis = Redis.from_url(stack.redis_url)
    await broker.start()
    try:
        intake = Intake(pool, redis, Publisher(broker), instruments,
                        PositionLookup(nowhere, 1), RiskConfig(), copies)  # fmt: skip
        clients = [f"K{secrets.token_hex(3).upper()}{n}" for n in range(2)]
        await copies.on_clients(
            [
                make(ClientUpserted, client_id=c, exchanges=(Exchange.NSE,),
                     trade_types=(TradeType.INTRADAY,))
                for c in clients
            ]
        )  # fmt: skip
        kill = make(KillSwitchRequested, client_id=clients[0], engaged=True, reason="stop it")
        batch_id = secrets.token_hex(8)
        orders = tuple(
            ClientOrder(order_id=f"{batch_id}-{n}", client_id=c, quantity=10)
            for n, c in enumerate(clients)
        )
        batch = make(
            BatchRequested,
            batch_id=batch_id,
            terms=LIMIT_TERMS.model_copy(update={"token_id": unquoted.token}),
            orders=orders,
        )
        # the quote puts the limit price 2500.05 far outside the price band
        quote = make(Quote, token=quoted.token, ltp=Decimal("1000"))
        await redis.set(quote_key(quote.exchange, quoted.token), quote.model_dump_json(), ex=60)
        far = make(
            BatchRequested,
            batch_id=f"{batch_id}-far",
            terms=LIMIT_TERMS.model_copy(update={"token_id": quoted.token}),
            orders=(ClientOrder(order_id=f"{batch_id}-far", client_id=clients[1], quantity=10),),
        )
        await intake.handle([kill, batch, far, batch])  # the request delivered twice
        await intake.handle([batch])  # and once more later
    finally:
        await broker.stop()
        await redis.aclose()
        await nowhere.aclose()
        await copies.close()
    stored = await store_orders.batch_orders(pool, batch_id)
    assert len(stored) == 2  # each order once, however often the request came
    assert {o.client_id: (o.status, o.rule) for o in stored} == {
        clients[0]: (OrderStatus.DENIED, Rule.KILL_SWITCH),
        clients[1]: (OrderStatus.SUBMITTED, None),
    }
    far_order = await store_orders.get_order(pool, f"{batch_id}-far")
    assert far_order is not None
    assert (far_order.status, far_order.rule) == (OrderStatus.DENIED, Rule.PRICE_BAND)


async def _async(value: bool) -> bool:
    return value


async def test_a_cancel_waits_for_the_client_lock_another_replica_decides_under(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    # Replica A holds the client's lock from its decision until its place command is out;
    # replica B's cancel for that order must wait for it, or it could reach the adapter
    # first (refused: unknown order) and the order would be placed anyway.
    client = f"L{secrets.token_hex(4).upper()}"
    order = submitted(f"o-{secrets.token_hex(4)}", client)
    await store_orders.insert_batch_orders(pool, [BATCH], [order])
    copies = await replica(pool, stack.postgres_dsn)
    broker = build_broker(ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap), "router-test")
    redis = Redis.from_url(stack.redis_url)
    await broker.start()

    async def waiting_on_the_clients_slot() -> bool:
        return bool(await pool.fetchval(
            """SELECT count(*) FROM pg_locks WHERE locktype = 'advisory' AND NOT granted
               AND classid = $1 AND objid = $2""",
            LOCK_SPACE, slot(client),
        ))  # fmt: skip

    async def status() -> OrderStatus:
        return (await store_orders.orders_by_id(pool, [order.order_id]))[order.order_id].status

    try:
        changes = WorkingOrderChanges(pool, redis, Publisher(broker), copies)
        cancel = make(CancelRequested, order_id=order.order_id, client_id=client)
        async with client_locks.clients_locked(pool, [client]):  # replica A, deciding
            asking = asyncio.create_task(changes.change(cancel))
            await wait_for(waiting_on_the_clients_slot, 30, "the cancel waiting for the lock")
            assert await status() is OrderStatus.SUBMITTED
        await asyncio.wait_for(asking, 30)
        assert await status() is OrderStatus.PENDING_CANCEL
    finally:
        await broker.stop()
        await redis.aclose()
        await copies.close()


async def test_a_block_another_replica_added_is_seen_under_the_clients_lock_at_once(
    pool: asyncpg.Pool,
) -> None:
    # Replica A's flatten blocks the client; replica B's next decision for that client
    # reads its blocks under the client's lock and is denied, the other client is not.
    client, other = f"M{secrets.token_hex(4).upper()}", f"N{secrets.token_hex(4).upper()}"
    day = trading_date(datetime.now(UTC))
    async with client_locks.clients_locked(pool, [client, other]) as conn:
        assert await active_blocks_of(conn, [client, other], day) == {}
    await store_risk.add_blocks(pool, [
        store_risk.BlockRow(client, Rule.MTM_LIMIT, day, "", None, client, "loss over 5,000"),
    ])  # fmt: skip
    async with client_locks.clients_locked(pool, [client, other]) as conn:
        blocks = await active_blocks_of(conn, [client, other], day)
    order = submitted(f"o-{secrets.token_hex(4)}", client)
    denial = deny(order, blocks.get(client, ()), None, datetime.now(UTC))
    assert denial is not None and denial.rule == Rule.MTM_LIMIT
    assert (
        deny(replace(order, client_id=other), blocks.get(other, ()), None, datetime.now(UTC))
        is None
    )
    # an exit still passes; a lifted block is gone at the next decision
    assert (
        deny(replace(order, execution_type=ExecutionType.EXIT), blocks[client], None, NOW) is None
    )
    await store_risk.lift(pool, [client], day, None, "admin")
    async with client_locks.clients_locked(pool, [client]) as conn:
        assert client not in await active_blocks_of(conn, [client], day)


async def test_a_hold_counts_against_a_margin_report_asked_before_the_broker_acknowledged(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    # Decided, then a report asked, then acknowledged: that report cannot show the order,
    # however late it arrives, so the hold still counts; a report asked after the
    # acknowledgment shows it, and the hold stops counting.
    await store_orders.insert_batch_orders(pool, [BATCH], [submitted("o1")])
    async with pool.acquire() as conn:
        await store_margin_holds.hold(conn, {"o1": ("c1", Decimal("1000"))})
    held_at = await pool.fetchval("SELECT held_at FROM margin_holds WHERE order_id = 'o1'")
    asked = held_at + timedelta(seconds=1)
    acked = held_at + timedelta(seconds=2)
    broker = build_broker(ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap), "holds-test")
    await broker.start()
    try:
        applier = EventApplier(pool, Publisher(broker), KillSwitch)
        await applier.handle(
            [make(OrderAccepted, order_id="o1", client_id="c1", broker_order_id="B1",
                  occurred_at=acked)]
        )  # fmt: skip
    finally:
        await broker.stop()
    stored = await store_orders.orders_by_id(pool, ["o1"])
    assert stored["o1"].status is OrderStatus.ACCEPTED

    before_ack = await store_margin_holds.held(pool, {"c1": asked})
    after_ack = await store_margin_holds.held(pool, {"c1": acked + timedelta(seconds=1)})
    assert before_ack == {"c1": Decimal("1000")}
    assert after_ack == {}
