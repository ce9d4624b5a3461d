"""Trading days: broker order ids and trade numbers restart every day, at Motilal and in the
simulator; the second day's orders fill and count once, like the first day's."""

from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
from broker_adapter.execution import store_intents as store
from broker_adapter.execution.intents import Intent
from broker_adapter.execution.store_intents import FillClaim
from factories import make_intent
from orders_testkit import Trading, batch_body, execute_all, wait_for
from schemas import migrated_pool
from stack.testing import TestStack

MIGRATIONS = Path(store.__file__).parents[1] / "migrations"
SBIN = 3045
DAY1, DAY2 = date(2026, 11, 30), date(2026, 12, 1)


@pytest.fixture
async def pool(stack: TestStack) -> AsyncIterator[asyncpg.Pool]:
    """The adapter's tables in a schema of this test's own."""
    async with migrated_pool(stack.postgres_dsn, "broker_adapter", MIGRATIONS) as pool:
        yield pool


def claim(order_id: str, day: date, trade_no: str) -> FillClaim:
    return FillClaim(
        client_id="C1", exchange="NSE", trading_date=day, trade_no=trade_no, order_id=order_id,
        quantity=5, filled_quantity=5, complete=True, event="{}",
    )  # fmt: skip


async def placed(pool: asyncpg.Pool, order_id: str, uid: str, day: date) -> Intent:
    [(recorded, _)] = await store.record_intents(pool, [make_intent(order_id, quantity=5)])
    await store.place_many(pool, [(recorded, uid)], day)
    stored = await store.get_intent(pool, order_id)
    assert stored is not None
    return stored


async def test_adapter_day_two_fill_with_day_one_trade_number_is_claimed(
    pool: asyncpg.Pool,
) -> None:
    await placed(pool, "day1-order", "100000000001", DAY1)
    await placed(pool, "day2-order", "100000000001", DAY2)  # ids restart: the same broker id
    assert await store.claim_fills(pool, [claim("day1-order", DAY1, "50000001")]) == [True]
    assert await store.claim_fills(pool, [claim("day2-order", DAY2, "50000001")]) == [True]
    # ... and each is still claimed once (a redelivery, another replica)
    assert await store.claim_fills(pool, [claim("day2-order", DAY2, "50000001")]) == [False]
    day2 = await store.get_intent(pool, "day2-order")
    assert day2 is not None and day2.filled_quantity == 5 and day2.trading_date == DAY2


async def test_adapter_broker_id_is_looked_up_within_its_trading_date_only(
    pool: asyncpg.Pool,
) -> None:
    day1 = await placed(pool, "day1-order", "100000000001", DAY1)
    await store.settle_many(pool, [store.Settlement(day1, "order.filled", "Traded")], DAY1)
    [(found, _)] = await store.intents_by_broker_ids(pool, "C1", DAY1, ["100000000001"])
    assert found.order_id == "day1-order"
    assert await store.intents_by_broker_ids(pool, "C1", DAY2, ["100000000001"]) == []


async def test_adapter_rejection_with_a_broker_id_is_dated(pool: asyncpg.Pool) -> None:
    [(recorded, _)] = await store.record_intents(pool, [make_intent("rejected-order")])
    settlement = store.Settlement(recorded, "order.rejected", "Rejected", "100000000009", "no")
    await store.settle_many(pool, [settlement], DAY2)
    stored = await store.get_intent(pool, "rejected-order")
    assert stored is not None and stored.trading_date == DAY2
    assert stored.broker_order_id == "100000000009"


# ---- the whole platform: a batch, the next day, the same batch ---------------------------


async def bought(gateway: httpx.AsyncClient, client: str) -> int:
    """Shares of SBIN bought for DELIVERY in the client's positions (every fill counted)."""
    response = await gateway.get("/api/v1/trades", params={"client_id": client, "limit": 1000})
    response.raise_for_status()
    rows: list[dict[str, Any]] = response.json()
    return sum(
        r["buy_quantity"]
        for r in rows
        if r["token"] == SBIN and r["exchange"] == "NSE" and r["trade_type"] == "DELIVERY"
    )


async def buy_batch(gateway: httpx.AsyncClient, quantities: dict[str, int]) -> dict[str, Any]:
    _, batch = await execute_all(gateway, batch_body(SBIN, quantities, trade_type="DELIVERY"))
    return batch


async def next_day(sim: httpx.AsyncClient) -> dict[str, Any]:
    ended = await sim.post("/sim/next-day", json={})
    assert ended.status_code == 200, ended.text
    report: dict[str, Any] = ended.json()
    return report


async def trading_day(
    gateway: httpx.AsyncClient, first: str, quantities: dict[str, int]
) -> list[dict[str, Any]]:
    """One order of `first` alone (the day's trade number 1), then the batch."""
    alone = await buy_batch(gateway, {first: 1})
    batch = await buy_batch(gateway, quantities)
    return [*alone["orders"], *batch["orders"]]


@pytest.mark.timeout(600)
async def test_adapter_same_batch_on_the_next_day_is_all_filled_and_counted_once(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    clients = trading.require(177)[170:177]  # accounts no other test trades (it moves days)
    first = clients[0]
    quantities = {c: 1 + i for i, c in enumerate(clients)}
    expected = {c: 2 * (q + (c == first)) for c, q in quantities.items()}
    before = {c: await bought(gateway, c) for c in clients}
    await next_day(sim)  # numbering from 1, whatever ran before

    day1 = await trading_day(gateway, first, quantities)
    assert {o["status"] for o in day1} == {"FILLED"}, day1
    ended = await next_day(sim)
    assert ended["orders_dropped"] >= 8 and ended["to_holdings"] >= 7
    day2 = await trading_day(gateway, first, quantities)
    assert {o["status"] for o in day2} == {"FILLED"}, day2

    async def counted() -> dict[str, int] | None:
        now = {c: await bought(gateway, c) - before[c] for c in clients}
        return now if all(now[c] >= expected[c] for c in clients) else None

    grown = await wait_for(counted, 60, "both days' fills in the positions")
    assert grown == expected  # none dropped, none counted twice
