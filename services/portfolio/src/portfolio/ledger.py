"""Applying fills to the stored positions: once per (client_id, trade_no), in one transaction.

The applied trade number (the `fills` row) is written in the same transaction as the
position change, so a redelivered fill finds its row and changes nothing; the ids of the
positions it changed are kept on that row so a redelivery can re-announce them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass
from decimal import Decimal

import asyncpg
from common.contracts.order_events import Fill
from common.enums import Exchange

from portfolio import store
from portfolio.book import FillIn, apply_fill


def fill_in(event: Fill) -> FillIn:
    return FillIn(
        client_id=event.client_id,
        trade_no=event.trade_no,
        order_id=event.order_id,
        exchange=event.instrument.exchange,
        token=event.instrument.token,
        symbol=event.instrument.symbol,
        trade_type=event.trade_type,
        side=event.side,
        quantity=event.quantity,
        price=event.price,
        traded_at=event.traded_at,
    )


@dataclass(frozen=True)
class Applied:
    event: Fill
    position_ids: tuple[str, ...]
    duplicate: bool


async def apply_fills(
    pool: asyncpg.Pool,
    events: Sequence[Fill],
    last_prices: Mapping[tuple[Exchange, int], Decimal] | None = None,
) -> list[Applied]:
    """Apply every fill not applied before; all of them commit together or none does.

    `last_prices` marks a newly opened position (the latest quote known); without one,
    the fill's own price is the last price known.
    """
    prices = last_prices or {}
    results: list[Applied] = []
    async with pool.acquire() as conn, conn.transaction():
        for event in events:
            seen = await store.applied_position_ids(conn, event.client_id, event.trade_no)
            if seen is not None:
                results.append(Applied(event, tuple(seen), duplicate=True))
                continue
            fill = fill_in(event)
            current = await store.active_position(conn, fill.key)
            changed = apply_fill(current.position if current else None, fill)
            mark = prices.get((fill.exchange, fill.token), fill.price)
            for position in changed:
                await store.save_position(conn, position, mark)
            ids = tuple(p.position_id for p in changed)
            await store.record_fill(conn, fill, event.event_id, ids)
            results.append(Applied(event, ids, duplicate=False))
    return results
