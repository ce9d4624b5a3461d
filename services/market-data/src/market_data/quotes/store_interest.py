"""SQL of quote interest: which orders are working and which positions are open, by token.

A batch of changes is one `executemany`, which asyncpg runs atomically: all of it or none."""

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from common.enums import Exchange

from market_data.quotes.interest import FeedKey


@dataclass(frozen=True, slots=True)
class OrderChange:
    order_id: str
    open: bool
    exchange: Exchange | None = None
    token: int | None = None


@dataclass(frozen=True, slots=True)
class PositionChange:
    position_id: str
    exchange: Exchange
    token: int
    open: bool


async def apply_order_changes(pool: asyncpg.Pool, changes: Sequence[OrderChange]) -> None:
    """In order; an order once closed never reopens (a redelivered 'submitted' changes nothing)."""
    if not changes:
        return
    await pool.executemany(
        """INSERT INTO order_interest (order_id, exchange, token, open)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (order_id) DO UPDATE SET
               exchange = COALESCE(order_interest.exchange, EXCLUDED.exchange),
               token = COALESCE(order_interest.token, EXCLUDED.token),
               open = order_interest.open AND EXCLUDED.open,
               updated_at = now()""",
        [(c.order_id, c.exchange.value if c.exchange else None, c.token, c.open) for c in changes],
    )


async def apply_position_changes(pool: asyncpg.Pool, changes: Sequence[PositionChange]) -> None:
    if not changes:
        return
    await pool.executemany(
        """INSERT INTO position_interest (position_id, exchange, token, open)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (position_id) DO UPDATE SET
               open = EXCLUDED.open, updated_at = now()""",
        [(c.position_id, c.exchange.value, c.token, c.open) for c in changes],
    )


async def open_position_keys(pool: asyncpg.Pool) -> list[FeedKey]:
    rows = await pool.fetch(
        "SELECT DISTINCT exchange, token FROM position_interest WHERE open ORDER BY 1, 2"
    )
    return [(Exchange(r["exchange"]), r["token"]) for r in rows]


async def open_order_keys(pool: asyncpg.Pool) -> list[FeedKey]:
    rows = await pool.fetch(
        """SELECT DISTINCT exchange, token FROM order_interest
           WHERE open AND token IS NOT NULL ORDER BY 1, 2"""
    )
    return [(Exchange(r["exchange"]), r["token"]) for r in rows]


async def purge_closed(pool: asyncpg.Pool, older_than_hours: int = 24) -> None:
    """Closed rows are kept a day so late redeliveries still find them closed."""
    for table in ("order_interest", "position_interest"):
        await pool.execute(
            f"DELETE FROM {table} WHERE NOT open "  # noqa: S608 (fixed table names)
            "AND updated_at < now() - make_interval(hours => $1)",
            older_than_hours,
        )
