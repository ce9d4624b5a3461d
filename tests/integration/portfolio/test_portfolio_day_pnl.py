"""Day P&L against real PostgreSQL and Kafka: fills on day one, the trading date moves (a
settable clock), fills on day two whose trade numbers restart: today's realized shows only day
two's, the total shows both, through the ledger, the live book, the read API and the
pnl.changed updates (a client with yesterday's figure is told today's zero)."""

import asyncio
import json
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaConsumer
from common.contracts.order_events import Fill, OrderFilled
from common.enums import Side, TradeType
from common.ids import new_id
from common.kafka import Publisher, build_broker, ensure_topics
from common.settings import ServiceSettings
from common.topics import PORTFOLIO_UPDATES
from common.trading_days import IST
from factories import RELIANCE, make
from fastapi import FastAPI
from portfolio.api import build_router
from portfolio.ledger import apply_fills
from portfolio.live import LiveBook
from portfolio.updates import UpdatePublisher
from portfolio_testkit import until
from stack.testing import TestStack

DAY_ONE = date(2026, 11, 27)  # a Friday
DAY_TWO = date(2026, 11, 30)  # the Monday after


class Clock:
    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


def trade(
    day: date, trade_no: str, side: Side, quantity: int, price: str, minute: int, client: str = "c1"
) -> Fill:
    return make(
        OrderFilled,
        client_id=client,
        order_id=f"o-{day}-{trade_no}",
        trade_no=trade_no,
        instrument=RELIANCE,
        trade_type=TradeType.DELIVERY,
        side=side,
        quantity=quantity,
        filled_quantity=quantity,
        price=Decimal(price),
        traded_at=datetime.combine(day, time(10, minute), IST).astimezone(UTC),
    )


async def book_fills(pool: asyncpg.Pool, live: LiveBook, fills: list[Fill]) -> None:
    """What the fill handler does: apply the batch, then follow it in the live book."""
    batch = await apply_fills(pool, fills)
    live.apply(
        batch.positions.values(), batch.realized_delta, batch.stored_prices, batch.realized_by_day
    )


async def test_day_pnl_resets_next_morning_and_total_keeps_both_days(pool: asyncpg.Pool) -> None:
    clock = Clock(DAY_ONE)
    live = LiveBook(clock=clock)
    app = FastAPI()
    app.include_router(build_router(lambda: pool, live, 1000, 2))
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://portfolio") as http:

        async def pnl() -> dict[str, Any]:
            answer = await http.get("/internal/clients/c1/summary")
            assert answer.status_code == 200, answer.text
            figures: dict[str, Any] = answer.json()["pnl"]
            return figures

        await book_fills(pool, live, [trade(DAY_ONE, "T1", Side.BUY, 10, "100", 0),
                                      trade(DAY_ONE, "T2", Side.SELL, 4, "110", 1)])  # fmt: skip
        day_one = await pnl()
        assert Decimal(day_one["realized_pnl_today"]) == Decimal("40")
        assert Decimal(day_one["realized_pnl"]) == Decimal("40")
        assert day_one["trading_date"] == DAY_ONE.isoformat()

        clock.day = DAY_TWO  # the next trading morning: nothing booked yet
        morning = await pnl()
        assert Decimal(morning["realized_pnl_today"]) == 0
        assert Decimal(morning["realized_pnl"]) == Decimal("40")
        assert live.pnl("c1").realized_today == 0

        # the exchange numbers trades afresh: day two's T1 is a new trade, not a duplicate
        await book_fills(pool, live, [trade(DAY_TWO, "T1", Side.SELL, 6, "90", 0)])
        day_two = await pnl()
        assert Decimal(day_two["realized_pnl_today"]) == Decimal("-60")
        assert Decimal(day_two["realized_pnl"]) == Decimal("-20")
        assert day_two["trading_date"] == DAY_TWO.isoformat()
        assert live.pnl("c1").realized_today == Decimal("-60")
        assert live.pnl("c1").realized == Decimal("-20")

        fills = (await http.get("/internal/clients/c1/fills")).json()
        booked = {(f["trading_date"], f["trade_no"]): Decimal(f["realized_pnl"]) for f in fills}
        assert booked == {
            (DAY_ONE.isoformat(), "T1"): Decimal(0),
            (DAY_ONE.isoformat(), "T2"): Decimal("40"),
            (DAY_TWO.isoformat(), "T1"): Decimal("-60"),
        }


async def test_day_pnl_redelivered_fill_of_the_same_day_is_still_a_duplicate(
    pool: asyncpg.Pool,
) -> None:
    live = LiveBook(clock=Clock(DAY_TWO))
    first = trade(DAY_TWO, "T1", Side.BUY, 10, "100", 0)
    await book_fills(pool, live, [first])
    again = await apply_fills(pool, [first, trade(DAY_TWO + timedelta(days=1), "T1", Side.BUY,
                                                  10, "100", 0)])  # fmt: skip
    assert [a.duplicate for a in again.applied] == [True, False]
    assert await pool.fetchval("SELECT count(*) FROM fills") == 2


async def test_day_pnl_new_morning_tells_clients_with_yesterdays_figure(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    client = f"d-{new_id()[:10]}"
    clock = Clock(DAY_ONE)
    live = LiveBook(clock=clock)
    await ensure_topics(stack.kafka_bootstrap, [PORTFOLIO_UPDATES])
    broker = build_broker(ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap), "day-pnl-test")
    await broker.start()
    consumer = AIOKafkaConsumer(
        PORTFOLIO_UPDATES.name, bootstrap_servers=stack.kafka_bootstrap,
        auto_offset_reset="earliest",
    )  # fmt: skip
    await consumer.start()
    try:
        updates = UpdatePublisher(live, Publisher(broker), window_s=0.05)
        flusher = asyncio.create_task(updates.run())  # the service's publishing loop
        fills = [trade(DAY_ONE, "T1", Side.BUY, 10, "100", 0, client),
                 trade(DAY_ONE, "T2", Side.SELL, 4, "110", 1, client)]  # fmt: skip
        await updates.after_fills(await apply_fills(pool, fills))
        clock.day = DAY_TWO
        updates.on_new_day()  # what the loop does at IST midnight

        seen: list[dict[str, Any]] = []

        async def morning() -> dict[str, Any] | None:
            for records in (await consumer.getmany(timeout_ms=300)).values():
                for r in records:
                    body = json.loads(r.value)
                    if body.get("client_id") == client and body["type"] == "pnl.changed":
                        seen.append(body)
            return next((b for b in seen if b["trading_date"] == DAY_TWO.isoformat()), None)

        fresh = await until(morning, 30)
        assert Decimal(fresh["realized_pnl_today"]) == 0
        assert Decimal(fresh["realized_pnl"]) == Decimal("40")
        first = seen[0]
        assert first["trading_date"] == DAY_ONE.isoformat()
        assert Decimal(first["realized_pnl_today"]) == Decimal("40")
    finally:
        flusher.cancel()
        await consumer.stop()
        await broker.stop()
