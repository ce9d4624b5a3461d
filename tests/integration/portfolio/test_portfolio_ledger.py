"""Fills applied a Kafka batch at a time against real PostgreSQL agree with the pure book.

Batches of random sizes, with the same trade number repeated inside a batch and across
batches, flips and reopenings inside one batch, several clients and trade types: every fill
is applied once, the stored positions equal the reference book's, and what a batch reports
(duplicates, realized P&L added, final states) is what the live book is fed.
"""

import random
from datetime import timedelta
from decimal import Decimal

import asyncpg
import pytest
from common.contracts.order_events import Fill, OrderFilled
from common.enums import Side, TradeType
from factories import NOW, RELIANCE, make
from portfolio import store_positions
from portfolio.book import PositionBook
from portfolio.ledger import apply_fills, fill_in

KEYS = [("a", 1594, TradeType.INTRADAY), ("a", 1594, TradeType.DELIVERY),
        ("a", 2885, TradeType.INTRADAY), ("b", 1594, TradeType.INTRADAY),
        ("c", 2885, TradeType.MTF)]  # fmt: skip


def random_fills(rng: random.Random, count: int) -> list[Fill]:
    fills = []
    for i in range(count):
        client, token, trade_type = rng.choice(KEYS)
        qty = rng.randint(1, 40)
        fills.append(
            make(
                OrderFilled,
                client_id=client,
                order_id=f"o-{i}",
                trade_no=f"T{i:04d}",
                instrument=RELIANCE.model_copy(update={"token": token}),
                trade_type=trade_type,
                side=rng.choice([Side.BUY, Side.SELL]),
                quantity=qty,
                filled_quantity=qty,
                price=Decimal(rng.randint(2000, 4000)) / 20,
                traded_at=NOW + timedelta(seconds=i),
            )
        )
    return fills


@pytest.mark.parametrize("seed", [1, 2, 3])
async def test_ledger_batches_with_duplicates_match_the_reference_book(
    pool: asyncpg.Pool, seed: int
) -> None:
    rng = random.Random(seed)
    fills = random_fills(rng, 120)
    reference = PositionBook()
    reference.apply_all(fill_in(f) for f in fills)

    delivered: list[Fill] = []
    for f in fills:  # redeliveries: some right away (same batch), some much later
        delivered.append(f)
        if rng.random() < 0.15:
            delivered.append(f)
        if rng.random() < 0.1:
            delivered.append(rng.choice(fills[: fills.index(f) + 1]))
    realized: dict[str, Decimal] = {}
    applied_once: set[str] = set()
    at = 0
    while at < len(delivered):
        size = rng.randint(1, 25)
        batch = await apply_fills(pool, delivered[at : at + size])
        for result in batch.applied:
            first = result.event.trade_no not in applied_once
            assert result.duplicate is not first, result.event.trade_no
            applied_once.add(result.event.trade_no)
        for client, delta in batch.realized_delta.items():
            realized[client] = realized.get(client, Decimal(0)) + delta
        at += size

    stored = {
        h.position.position_id: h.position for h in await store_positions.find_positions(pool)
    }
    expected = {p.position_id: p for p in reference.positions.values()}
    assert stored == expected
    assert realized == {
        c: sum((p.realized_pnl for p in expected.values() if p.key.client_id == c), Decimal(0))
        for c in {p.key.client_id for p in expected.values()}
    }
    rows = await pool.fetchval("SELECT count(*) FROM fills")
    assert rows == len(fills)
