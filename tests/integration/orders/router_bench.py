"""Micro-benchmark of the order-router alone: execute-all batches and their order events.

Not a test (prints figures, asserts nothing about time). Runs the router's Intake and
EventApplier in this process against the embedded PostgreSQL, Redis and Kafka, with the
instrument pre-cached (no market-data), and reports per batch size: wall time per batch,
SQL statements and PostgreSQL transactions / tuples per order (pg_stat_database).

    .venv/bin/python tests/integration/orders/router_bench.py [--rounds 5] [--clients 1000]
"""

import argparse
import asyncio
import tempfile
import time
from collections.abc import Sequence
from decimal import Decimal
from pathlib import Path
from typing import Any

import asyncpg
import httpx
from common.contracts.accounts import (
    ClientUpserted,
    MarginRow,
    MarginSnapshot,
    RiskLimits,
    SessionChanged,
)
from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderAccepted, OrderFilled
from common.contracts.requests import BatchRequested, ClientOrder, OrderRequested, OrderTerms
from common.db import apply_migrations
from common.enums import Exchange, ExecutionType, OrderType, Side, TradeType
from common.ids import new_id
from common.kafka import Publisher, build_broker
from common.settings import ServiceSettings
from order_router import store_orders
from order_router.accounts import AccountBook, AccountCopies
from order_router.events import EventApplier
from order_router.intake import Intake
from order_router.lookups import InstrumentCache, PositionLookup
from order_router.risk import RiskConfig
from redis.asyncio import Redis
from stack.testing import TestStack

SCHEMA = "order_router"
TOKEN = 3045
INSTRUMENT = Instrument(
    token=TOKEN, exchange=Exchange.NSE, symbol="SBIN", lot_size=1, tick_size=Decimal("0.05")
)
STATS = "tup_returned, tup_fetched, tup_inserted, tup_updated, xact_commit"


class Counted:
    """SQL statements sent by the router's pool (asyncpg query logger; an executemany
    counts once) and the time spent publishing to Kafka."""

    def __init__(self) -> None:
        self.statements = 0
        self.publishing = 0.0

    def timed(self, publisher: Publisher) -> None:
        publish_many = publisher.publish_many

        async def timed_publish_many(topic: Any, messages: Any) -> None:
            started = time.perf_counter()
            await publish_many(topic, messages)
            self.publishing += time.perf_counter() - started

        publisher.publish_many = timed_publish_many

    def log(self, _record: Any) -> None:
        self.statements += 1


async def db_stats(dsn: str) -> dict[str, int]:
    conn = await asyncpg.connect(dsn)
    try:
        await conn.execute("SELECT pg_stat_clear_snapshot()")
        row = await conn.fetchrow(
            f"SELECT {STATS} FROM pg_stat_database WHERE datname = current_database()"
        )
        assert row is not None
        return dict(row)
    finally:
        await conn.close()


async def settle_stats() -> None:
    await asyncio.sleep(0.6)  # backends flush pg_stat counters at most every 500 ms when idle


def account_messages(clients: Sequence[str]) -> tuple[list[Message], list[Message], list[Message]]:
    env = {"correlation_id": "bench", "actor": "bench"}
    ups: list[Message] = [
        ClientUpserted(
            **env,
            client_id=c,
            motilal_client_id=c,
            name=c,
            active=True,
            exchanges=(Exchange.NSE,),
            trade_types=(TradeType.INTRADAY,),
            limits=RiskLimits(max_order_quantity=1000),
        )
        for c in clients
    ]
    sessions: list[Message] = [SessionChanged(**env, client_id=c, state="ACTIVE") for c in clients]
    margins: list[Message] = [
        MarginSnapshot(
            **env,
            client_id=c,
            report="summary",
            rows=(MarginRow(srno=102, particulars="available", amount=Decimal("1000000")),),
            taken_at=time_now(),
        )
        for c in clients
    ]
    return ups, sessions, margins


def time_now() -> Any:
    from common.contracts.envelope import utc_now

    return utc_now()


def batch(clients: Sequence[str]) -> BatchRequested:
    terms = OrderTerms(
        token_id=TOKEN,
        exchange=Exchange.NSE,
        execution_type=ExecutionType.BUY,
        order_type=OrderType.LIMIT,
        trade_type=TradeType.INTRADAY,
        price=Decimal("800.05"),
    )
    batch_id = new_id()
    return BatchRequested(
        correlation_id=batch_id,
        actor="bench",
        batch_id=batch_id,
        terms=terms,
        orders=tuple(ClientOrder(order_id=new_id(), client_id=c, quantity=1) for c in clients),
    )


def singles(clients: Sequence[str]) -> list[Message]:
    """One OrderRequested per client: what single orders look like in one Kafka batch."""
    one = batch(clients)
    return [
        OrderRequested(
            correlation_id=o.order_id, actor="bench", batch_id=o.order_id, terms=one.terms, order=o
        )
        for o in one.orders
    ]


def order_events(request: BatchRequested) -> list[Message]:
    out: list[Message] = []
    for n, o in enumerate(request.orders):
        env = {"correlation_id": request.batch_id, "actor": "broker-adapter"}
        out.append(
            OrderAccepted(
                **env,
                order_id=o.order_id,
                client_id=o.client_id,
                broker_order_id=f"B{n}",
                sent_order_type=OrderType.LIMIT,
                sent_price=Decimal("800.05"),
            )
        )
        out.append(
            OrderFilled(
                **env,
                order_id=o.order_id,
                client_id=o.client_id,
                trade_no=f"T-{o.order_id}",
                instrument=INSTRUMENT,
                side=Side.BUY,
                trade_type=TradeType.INTRADAY,
                quantity=1,
                price=Decimal("800.05"),
                filled_quantity=1,
                leaves_quantity=0,
                traded_at=time_now(),
            )
        )
    return out


async def build_parts(
    pool: asyncpg.Pool, redis: Redis, publisher: Publisher, dsn: str
) -> tuple[Intake, EventApplier, AccountCopies]:
    """Builds the router's parts the way app.py does (kept in step with its wiring)."""
    nowhere = httpx.AsyncClient(base_url="http://127.0.0.1:9")  # never asked: all cached
    instruments = InstrumentCache(nowhere, 3600, 1)
    instruments._cache[(TOKEN, Exchange.NSE)] = (time.monotonic() + 3600, INSTRUMENT)

    async def connect() -> asyncpg.Connection:
        connection: asyncpg.Connection = await asyncpg.connect(dsn)
        return connection

    accounts = AccountCopies(pool, AccountBook(), connect)
    await accounts.start()
    positions = PositionLookup(nowhere, 1)  # BUY orders only: no position is looked up
    intake = Intake(pool, redis, publisher, instruments, positions, RiskConfig(), accounts)
    return intake, EventApplier(pool, publisher, accounts.book.kill_switch), accounts


async def main(rounds: int, client_count: int, sizes: Sequence[int]) -> None:
    with tempfile.TemporaryDirectory() as folder:
        stack = TestStack(Path(folder))
        await stack.start_infra()
        try:
            await run(stack, rounds, client_count, sizes)
        finally:
            stack.stop()


async def run(stack: TestStack, rounds: int, client_count: int, sizes: Sequence[int]) -> None:
    counted = Counted()

    async def init(conn: asyncpg.Connection) -> None:
        conn.add_query_logger(counted.log)

    pool = await asyncpg.create_pool(
        stack.postgres_dsn,
        min_size=1,
        max_size=10,
        server_settings={"search_path": f"{SCHEMA},public"},
        init=init,
    )
    await apply_migrations(pool, SCHEMA, Path(store_orders.__file__).parent / "migrations")
    redis = Redis.from_url(stack.redis_url)
    settings = ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap)
    broker = build_broker(settings, "router-bench")
    await broker.start()
    publisher = Publisher(broker)
    counted.timed(publisher)
    clients = [f"BENCH{n:05d}" for n in range(client_count)]
    ups, sessions, margins = account_messages(clients)
    intake, events, accounts = await build_parts(pool, redis, publisher, stack.postgres_dsn)
    await accounts.on_clients(ups)
    await accounts.on_sessions(sessions)
    await accounts.on_margins(margins)
    print(
        f"{'clients':>7} {'ms/batch':>9} {'ev ms/batch':>11} {'stmts/order':>11} "
        f"{'xacts/order':>11} {'tup ret/order':>13} {'ev stmts/order':>14} "
        f"{'publish ms/batch':>16} {'cpu ms/batch':>12} {'ev cpu ms/batch':>15}"
    )
    for size in sizes:
        await intake.handle([batch(clients[:size])])  # warm up
        spent = spent_events = 0.0
        statements = statements_events = 0
        publishing = counted.publishing
        cpu = cpu_events = 0.0
        await settle_stats()
        before = await db_stats(stack.postgres_dsn)
        for _ in range(rounds):
            request = batch(clients[:size])
            start_count = counted.statements
            started, cpu_started = time.perf_counter(), time.process_time()
            await intake.handle([request])
            spent += time.perf_counter() - started
            cpu += time.process_time() - cpu_started
            statements += counted.statements - start_count
            evs = order_events(request)
            start_count = counted.statements
            started, cpu_started = time.perf_counter(), time.process_time()
            await events.handle(evs)
            spent_events += time.perf_counter() - started
            cpu_events += time.process_time() - cpu_started
            statements_events += counted.statements - start_count
        await settle_stats()
        after = await db_stats(stack.postgres_dsn)
        orders = rounds * size
        delta = {k: after[k] - before[k] for k in after}
        print(
            f"{size:>7} {1000 * spent / rounds:>9.1f} {1000 * spent_events / rounds:>11.1f} "
            f"{statements / orders:>11.3f} {delta['xact_commit'] / orders:>11.3f} "
            f"{delta['tup_returned'] / orders:>13.1f} {statements_events / orders:>14.3f} "
            f"{1000 * (counted.publishing - publishing) / rounds:>16.1f} "
            f"{1000 * cpu / rounds:>12.1f} {1000 * cpu_events / rounds:>15.1f}"
        )
    size = 50
    await intake.handle(singles(clients[:size]))  # warm up
    spent = cpu = 0.0
    start_count = counted.statements
    for _ in range(rounds):
        started, cpu_started = time.perf_counter(), time.process_time()
        await intake.handle(singles(clients[:size]))
        spent += time.perf_counter() - started
        cpu += time.process_time() - cpu_started
    print(
        f"{size} single-order requests in one Kafka batch: {1000 * spent / rounds:.1f} ms, "
        f"cpu {1000 * cpu / rounds:.1f} ms, "
        f"{(counted.statements - start_count) / rounds:.0f} SQL statements per Kafka batch"
    )
    await broker.stop()
    await redis.aclose()
    await pool.close()


if __name__ == "__main__":
    parser = argparse.ArgumentParser(description=__doc__)
    parser.add_argument("--rounds", type=int, default=5)
    parser.add_argument("--clients", type=int, default=1000)
    parser.add_argument("--sizes", default="10,100,1000")
    args = parser.parse_args()
    asyncio.run(main(args.rounds, args.clients, [int(s) for s in args.sizes.split(",")]))
