"""The portfolio service over real Kafka, PostgreSQL and Redis: fills in, positions out.

Fills are published to orders.events.v1 by the test itself (as the broker-adapter would),
with a unique client id per test, and outcomes are polled with a deadline.
"""

import asyncio
import json
from collections.abc import Awaitable, Callable
from datetime import datetime
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import portfolio
import pytest
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from common.contracts.accounts import BrokerPosition, BrokerPositionsSnapshot, MarginSnapshot
from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.contracts.order_events import Fill, OrderAccepted, OrderFilled, OrderPartiallyFilled
from common.contracts.quotes import Quote
from common.db import apply_migrations, create_pool
from common.enums import Exchange, Side
from common.ids import new_id
from common.topics import BROKER_POSITIONS, MARGINS, ORDER_EVENTS, PORTFOLIO_UPDATES, QUOTES, Topic
from factories import NOW, RELIANCE, make
from portfolio import store_positions
from portfolio.ledger import apply_fills
from portfolio.views import position_out
from portfolio_testkit import until
from stack.testing import TestStack

MIGRATIONS = Path(portfolio.__file__).parent / "migrations"


Publish = Callable[[Topic, Message], Awaitable[None]]


@pytest.fixture
def publish(producer: AIOKafkaProducer) -> Publish:
    async def send(topic: Topic, message: Message) -> None:
        await producer.send_and_wait(
            topic.name, message.model_dump_json().encode(), key=topic.key_of(message)
        )

    return send


# A token no exchange master lists: no live feed quotes it, so only a test's quote applies.
UNQUOTED = RELIANCE.model_copy(update={"token": 990001, "symbol": "TESTONLY"})


def fill(
    client_id: str,
    trade_no: str,
    side: Side,
    qty: int,
    price: str,
    *,
    partial: bool = False,
    instrument: Instrument = RELIANCE,
) -> Fill:
    kind = OrderPartiallyFilled if partial else OrderFilled
    return make(
        kind,
        instrument=instrument,
        client_id=client_id,
        order_id=f"o-{client_id}-{trade_no}",
        trade_no=trade_no,
        side=side,
        quantity=qty,
        price=Decimal(price),
        filled_quantity=qty,
        leaves_quantity=1 if partial else 0,
        correlation_id=f"batch-{client_id}",
    )


async def positions_of(http: httpx.AsyncClient, client_id: str, **filters: Any) -> list[dict]:
    answer = await http.get("/internal/positions", params={"client_id": client_id, **filters})
    answer.raise_for_status()
    return list(answer.json())


async def updates_for(
    bootstrap: str, client_id: str, done: Callable[[list[dict[str, Any]]], bool]
) -> list[dict[str, Any]]:
    consumer = AIOKafkaConsumer(
        PORTFOLIO_UPDATES.name,
        bootstrap_servers=bootstrap,
        auto_offset_reset="earliest",
        group_id=None,
    )
    await consumer.start()
    found: list[dict[str, Any]] = []

    async def enough() -> bool:
        for records in (await consumer.getmany(timeout_ms=300)).values():
            found.extend(b for b in (json.loads(r.value) for r in records)
                         if b.get("client_id") == client_id)  # fmt: skip
        return done(found)

    try:
        await until(enough)
        return found
    finally:
        await consumer.stop()


async def test_portfolio_fills_become_positions_once_and_flip(
    http: httpx.AsyncClient, publish: Publish, stack: TestStack
) -> None:
    client = f"c-{new_id()[:10]}"
    await publish(ORDER_EVENTS, make(OrderAccepted, client_id=client, order_id="o-x"))
    await publish(ORDER_EVENTS, fill(client, "T1", Side.BUY, 10, "100", partial=True))
    await publish(ORDER_EVENTS, fill(client, "T2", Side.BUY, 10, "110"))
    await publish(ORDER_EVENTS, fill(client, "T2", Side.BUY, 10, "110"))  # redelivered
    await publish(ORDER_EVENTS, fill(client, "T3", Side.SELL, 5, "120"))

    async def settled() -> list[dict] | None:
        found = await positions_of(http, client)
        return found if found and found[0]["sell_quantity"] == 5 else None

    (position,) = await until(settled)
    assert position["net_quantity"] == 15
    assert position["buy_quantity"] == 20 and Decimal(position["buy_value"]) == 2100
    assert Decimal(position["average_price"]) == Decimal("105")
    assert Decimal(position["realized_pnl"]) == Decimal("75")
    assert position["status"] == "ACTIVE"
    assert position["trade_type"] == "INTRADAY" and position["token"] == RELIANCE.token

    # flip: sell 20 closes 15 and opens a short of 5 under a new id
    await publish(ORDER_EVENTS, fill(client, "T4", Side.SELL, 20, "100"))

    async def flipped() -> list[dict] | None:
        found = await positions_of(http, client)
        return found if len(found) == 2 else None

    both = {p["status"]: p for p in await until(flipped)}
    assert both["CLOSED"]["position_id"] == position["position_id"]
    assert Decimal(both["CLOSED"]["realized_pnl"]) == Decimal("0")  # 75 - 5 * 15
    assert both["ACTIVE"]["net_quantity"] == -5
    assert both["ACTIVE"]["position_id"] != position["position_id"]
    active_only = await positions_of(http, client, status="ACTIVE", trade_type="INTRADAY")
    assert [p["position_id"] for p in active_only] == [both["ACTIVE"]["position_id"]]

    one = await http.get(f"/internal/positions/{position['position_id']}")
    assert one.status_code == 200 and one.json()["status"] == "CLOSED"
    fills = (await http.get(f"/internal/clients/{client}/fills")).json()
    assert sorted(f["trade_no"] for f in fills) == ["T1", "T2", "T3", "T4"]

    # Fills consumed in one batch share their updates, so count what must exist: the
    # closed and the new short position as they ended, and the client's P&L
    ended = {(position["position_id"], "CLOSED"), (both["ACTIVE"]["position_id"], "ACTIVE")}

    def final(found: list[dict[str, Any]]) -> bool:
        states = {(c["position_id"], c["status"]) for c in found if c["type"] == "position.changed"}
        return ended <= states and any(c["type"] == "pnl.changed" for c in found)

    changes = await updates_for(stack.kafka_bootstrap, client, final)
    assert changes[0]["correlation_id"] == f"batch-{client}"


async def test_portfolio_unknown_position_is_404_and_bad_status_is_422(
    http: httpx.AsyncClient,
) -> None:
    missing = await http.get("/internal/positions/pos_nope")
    assert missing.status_code == 404 and "pos_nope" in missing.json()["detail"]
    bad = await http.get("/internal/positions", params={"status": "OPEN"})
    assert bad.status_code == 422 and "status" in json.dumps(bad.json())


async def test_portfolio_quote_marks_open_position_unrealized(
    http: httpx.AsyncClient, publish: Publish
) -> None:
    client = f"c-{new_id()[:10]}"
    await publish(ORDER_EVENTS, fill(client, "Q1", Side.BUY, 4, "2500", instrument=UNQUOTED))
    await until(lambda: positions_of(http, client))
    await publish(QUOTES, make(Quote, token=UNQUOTED.token, ltp=Decimal("2512.50")))

    async def marked() -> dict | None:
        (p,) = await positions_of(http, client)
        return p if p["last_price"] == "2512.50" else None

    position = await until(marked)
    assert Decimal(position["unrealized_pnl"]) == Decimal("50")
    summary = (await http.get(f"/internal/clients/{client}/summary")).json()
    assert Decimal(summary["pnl"]["unrealized_pnl"]) == Decimal("50")
    assert summary["open_positions"] == 1
    holders = (await http.get(f"/internal/holders/{UNQUOTED.token}")).json()
    mine = [h for h in holders if h["client_id"] == client]
    assert mine and mine[0]["net_quantity"] == 4


async def test_portfolio_margin_snapshot_maps_rows_and_keeps_newest(
    http: httpx.AsyncClient, publish: Publish, stack: TestStack
) -> None:
    client = f"c-{new_id()[:10]}"
    rows = [
        {"srno": 102, "particulars": "Total Available Margin for Cash", "amount": "89900"},
        {"srno": 201, "particulars": "Cash Deposit", "amount": "100000"},
        {"srno": 220, "particulars": "Non Cash Deposit", "amount": "25000"},
        {"srno": 301, "particulars": "Margin Usage for Cash", "amount": "30000"},
        {"srno": 321, "particulars": "Margin Usage for FO", "amount": "5000"},
        {"srno": 600, "particulars": "Total P&L as MTM", "amount": "-900"},
        {"srno": 700, "particulars": "Total P&L as BPL", "amount": "800"},
    ]
    snap = make(MarginSnapshot, client_id=client, report="summary", rows=rows, taken_at=NOW)
    older = make(MarginSnapshot, client_id=client, report="summary", rows=rows[:1],
                 taken_at=NOW.replace(hour=3))  # fmt: skip
    # the newest, same figures, last on the client's partition: once it shows, the older
    # snapshot before it has been handled
    marker = make(MarginSnapshot, client_id=client, report="summary", rows=rows,
                  taken_at=NOW.replace(hour=5))  # fmt: skip
    await publish(MARGINS, snap)
    await publish(MARGINS, older)
    await publish(MARGINS, marker)

    async def marker_shown() -> dict | None:
        answer = await http.get(f"/internal/margins/{client}")
        body = answer.json() if answer.status_code == 200 else None
        taken = body and datetime.fromisoformat(body["taken_at"].replace("Z", "+00:00"))
        return body if taken == marker.taken_at else None

    funds = await until(marker_shown)
    assert Decimal(funds["available_cash"]) == 100000
    assert Decimal(funds["collateral"]) == 25000
    assert Decimal(funds["margin_used"]) == 35000
    assert Decimal(funds["margin_available"]) == 89900
    assert Decimal(funds["mtm"]) == -900 and Decimal(funds["booked_pnl"]) == 800
    changes = await updates_for(stack.kafka_bootstrap, client, lambda found: len(found) >= 1)
    assert changes[0]["type"] == "margin.changed"
    # the older snapshot never won, not even for a moment
    assert {Decimal(c["available_cash"]) for c in changes} == {Decimal(100000)}
    assert (await http.get("/internal/margins/nobody")).status_code == 404


async def test_portfolio_broker_positions_differing_twice_is_confirmed_drift(
    http: httpx.AsyncClient, publish: Publish
) -> None:
    client = f"c-{new_id()[:10]}"
    await publish(ORDER_EVENTS, fill(client, "D1", Side.BUY, 10, "2500"))
    await until(lambda: positions_of(http, client))
    broker_rows = [
        BrokerPosition(token=RELIANCE.token, exchange=Exchange.NSE, product="VALUEPLUS",
                       buy_quantity=25, sell_quantity=0, buy_amount=Decimal(62500),
                       sell_amount=Decimal(0)),
    ]  # fmt: skip
    for minute in (1, 2):
        await publish(
            BROKER_POSITIONS,
            make(BrokerPositionsSnapshot, client_id=client, positions=broker_rows,
                 taken_at=NOW.replace(minute=minute)),
        )  # fmt: skip

    async def confirmed() -> list | None:
        body = (await http.get("/internal/drift", params={"client_id": client})).json()
        rows = [d for d in body["drift"] if d["confirmed"]]
        return rows or None

    (drift,) = await until(confirmed)
    assert (drift["ours"], drift["broker"], drift["product"]) == (10, 25, "VALUEPLUS")
    assert drift["trade_type"] == "INTRADAY"
    metrics = (await http.get("/metrics")).text
    gauge = [line for line in metrics.splitlines() if line.startswith("portfolio_position_drift ")]
    assert gauge and float(gauge[0].split()[1]) >= 1

    # the broker agrees again: the drift is gone, our position untouched
    agreeing = [broker_rows[0].model_copy(update={"buy_quantity": 10})]
    # ... but not by a read older than the last compared: that one is ignored, and the
    # drift seen again after it keeps counting (3 snapshots, not a fresh 1)
    for moment, rows in (
        (NOW.replace(minute=0), agreeing),
        (NOW.replace(minute=2, second=30), broker_rows),
    ):
        await publish(
            BROKER_POSITIONS,
            make(BrokerPositionsSnapshot, client_id=client, positions=rows, taken_at=moment),
        )  # fmt: skip

    async def compared_again() -> list | None:
        body = (await http.get("/internal/drift", params={"client_id": client})).json()
        done = datetime.fromisoformat(body["reconciled_at"][client])
        return body["drift"] if done == NOW.replace(minute=2, second=30) else None

    (again,) = await until(compared_again)
    assert again["snapshots_seen"] == 3 and again["confirmed"] is True
    await publish(
        BROKER_POSITIONS,
        make(BrokerPositionsSnapshot, client_id=client, positions=agreeing,
             taken_at=NOW.replace(minute=3)),
    )  # fmt: skip

    async def cleared() -> bool:
        body = (await http.get("/internal/drift", params={"client_id": client})).json()
        return not body["drift"]

    await until(cleared)
    (position,) = await positions_of(http, client)
    assert position["net_quantity"] == 10


async def test_portfolio_replay_into_fresh_schema_rebuilds_identical_positions(
    http: httpx.AsyncClient, publish: Publish, stack: TestStack
) -> None:
    client = f"c-{new_id()[:10]}"
    trades = [("R1", Side.BUY, 7, "101.05"), ("R2", Side.BUY, 3, "99.95"),
              ("R3", Side.SELL, 4, "103"), ("R4", Side.SELL, 9, "98.5"),
              ("R5", Side.BUY, 1, "97")]  # fmt: skip
    for trade_no, side, qty, price in trades:
        await publish(ORDER_EVENTS, fill(client, trade_no, side, qty, price))
    await publish(ORDER_EVENTS, fill(client, "R3", Side.SELL, 4, "103"))  # a duplicate

    async def all_applied() -> list[dict] | None:
        fills = (await http.get(f"/internal/clients/{client}/fills")).json()
        return await positions_of(http, client) if len(fills) == len(trades) else None

    live = await until(all_applied)

    schema = f"portfolio_replay_{new_id()[:8]}"
    pool = await create_pool(stack.postgres_dsn, schema)
    consumer = AIOKafkaConsumer(
        ORDER_EVENTS.name,
        bootstrap_servers=stack.kafka_bootstrap,
        group_id=f"replay-{new_id()}",
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    try:
        await apply_migrations(pool, schema, MIGRATIONS)
        await consumer.start()
        seen = 0
        deadline = asyncio.get_running_loop().time() + 60
        while seen < len(trades) + 1 and asyncio.get_running_loop().time() < deadline:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                events = [ORDER_EVENTS.parse(r.value) for r in records]
                fills = [e for e in events if isinstance(e, Fill)]
                seen += sum(1 for f in fills if f.client_id == client)
                await apply_fills(pool, fills)
        rebuilt = await store_positions.find_positions(pool, client_id=client)
    finally:
        await consumer.stop()
        async with pool.acquire() as conn:
            await conn.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()

    fill_fields = ("position_id", "net_quantity", "average_price", "buy_quantity", "buy_value",
                   "sell_quantity", "sell_value", "realized_pnl", "status", "opened_at",
                   "closed_at")  # fmt: skip
    replayed = [position_out(h).model_dump(mode="json") for h in rebuilt]

    def by_id(rows: list[dict]) -> dict[str, tuple]:
        return {r["position_id"]: tuple(r[f] for f in fill_fields) for r in rows}

    assert by_id(replayed) == by_id(live)
    assert len(live) == 2  # 10 long, closed by R4 (13 sold), flipped short 3, R5 covers 1
