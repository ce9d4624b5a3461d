"""The day reports' SQL (asyncpg) and nothing else: a day's fills and clients, and the
stored day-end records (written once, frozen by a trigger: migration 005)."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from common.db import Executor

from portfolio.reports.day_report import ClientDay, ReportFill


async def fills_on(db: Executor, day: date) -> list[tuple[str, ReportFill]]:
    """Every fill booked to `day`, as (client id, fill)."""
    rows = await db.fetch(
        """SELECT client_id, trade_no, order_id, exchange, token, symbol, trade_type, side,
                  quantity, price, traded_at, realized_pnl
           FROM fills WHERE trading_date = $1 ORDER BY client_id, traded_at, trade_no""",
        day,
    )
    return [
        (r["client_id"], ReportFill(**{k: v for k, v in r.items() if k != "client_id"}))
        for r in rows
    ]


async def known_clients(db: Executor, day: date) -> list[str]:
    """Clients the portfolio knows of: a margin report, an open position, or a fill on `day`."""
    rows = await db.fetch(
        """SELECT client_id FROM margins
           UNION SELECT client_id FROM positions WHERE net_quantity <> 0
           UNION SELECT client_id FROM fills WHERE trading_date = $1""",
        day,
    )
    return sorted(r["client_id"] for r in rows)


@dataclass(frozen=True)
class StoredDay:
    trading_date: date
    written_at: datetime
    schedule_from: date
    schedule_source: str
    clients: list[ClientDay]


async def save_day(
    pool: asyncpg.Pool,
    day: date,
    written_at: datetime,
    schedule_from: date,
    schedule_source: str,
    clients: Sequence[ClientDay],
) -> bool:
    """Write the day's record unless one exists; False when another writer got there first."""
    async with pool.acquire() as conn, conn.transaction():
        claimed = await conn.fetchval(
            """INSERT INTO day_closes (trading_date, written_at, schedule_from, schedule_source,
                   clients)
               VALUES ($1, $2, $3, $4, $5)
               ON CONFLICT (trading_date) DO NOTHING RETURNING trading_date""",
            day,
            written_at,
            schedule_from,
            schedule_source,
            len(clients),
        )
        if claimed is None:
            return False
        await conn.execute(
            """INSERT INTO day_reports (trading_date, client_id, report)
               SELECT $1, client_id, report::jsonb
               FROM unnest($2::text[], $3::text[]) AS u(client_id, report)""",
            day,
            [c.client_id for c in clients],
            [c.model_dump_json() for c in clients],
        )
    return True


async def stored_day(db: Executor, day: date) -> StoredDay | None:
    head = await db.fetchrow(
        """SELECT trading_date, written_at, schedule_from, schedule_source
           FROM day_closes WHERE trading_date = $1""",
        day,
    )
    if head is None:
        return None
    rows = await db.fetch(
        "SELECT report::text AS report FROM day_reports WHERE trading_date = $1 ORDER BY client_id",
        day,
    )
    return StoredDay(
        head["trading_date"],
        head["written_at"],
        head["schedule_from"],
        head["schedule_source"],
        [ClientDay.model_validate_json(r["report"]) for r in rows],
    )


async def is_stored(db: Executor, day: date) -> bool:
    found = await db.fetchval("SELECT 1 FROM day_closes WHERE trading_date = $1", day)
    return found is not None


async def fills_after(db: Executor, day: date) -> bool:
    """True when a later trading date has fills (today's positions are not `day`'s end)."""
    found = await db.fetchval("SELECT 1 FROM fills WHERE trading_date > $1 LIMIT 1", day)
    return found is not None
