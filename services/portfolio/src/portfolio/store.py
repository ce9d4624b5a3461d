"""The portfolio's SQL (asyncpg) and nothing else."""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeAlias

import asyncpg
from common.contracts.accounts import MarginRow
from common.enums import Exchange, TradeType

from portfolio.book import FillIn, Position, PositionKey, PositionStatus
from portfolio.drift import Drift, HeldQuantity
from portfolio.margins import Funds

Executor: TypeAlias = asyncpg.Pool | asyncpg.Connection

_POSITION_COLUMNS = """position_id, client_id, exchange, token, trade_type, symbol,
    opening_trade_no, net_quantity, open_value, buy_quantity, buy_value, sell_quantity,
    sell_value, realized_pnl, opened_at, closed_at, updated_at, last_price"""


@dataclass(frozen=True)
class Held:
    """A stored position with the latest price it was marked at (None: no price yet)."""

    position: Position
    last_price: Decimal | None


def _held(row: asyncpg.Record) -> Held:
    position = Position(
        position_id=row["position_id"],
        key=PositionKey(
            row["client_id"], Exchange(row["exchange"]), row["token"], TradeType(row["trade_type"])
        ),
        symbol=row["symbol"],
        opening_trade_no=row["opening_trade_no"],
        opened_at=row["opened_at"],
        net_quantity=row["net_quantity"],
        open_value=row["open_value"],
        buy_quantity=row["buy_quantity"],
        buy_value=row["buy_value"],
        sell_quantity=row["sell_quantity"],
        sell_value=row["sell_value"],
        realized_pnl=row["realized_pnl"],
        closed_at=row["closed_at"],
        updated_at=row["updated_at"],
    )
    return Held(position, row["last_price"])


# --- fills and positions -------------------------------------------------------------


async def applied_position_ids(conn: Executor, client_id: str, trade_no: str) -> list[str] | None:
    """The positions a fill changed when it was applied, or None if it never was."""
    ids: list[str] | None = await conn.fetchval(
        "SELECT position_ids FROM fills WHERE client_id = $1 AND trade_no = $2",
        client_id,
        trade_no,
    )
    return ids


async def active_position(conn: asyncpg.Connection, key: PositionKey) -> Held | None:
    """The key's open position, locked until the transaction ends."""
    row = await conn.fetchrow(
        f"""SELECT {_POSITION_COLUMNS} FROM positions
            WHERE client_id = $1 AND exchange = $2 AND token = $3 AND trade_type = $4
              AND net_quantity <> 0
            FOR UPDATE""",  # noqa: S608  (constant column list)
        key.client_id,
        key.exchange.value,
        key.token,
        key.trade_type.value,
    )
    return _held(row) if row else None


async def save_position(
    conn: asyncpg.Connection, position: Position, last_price: Decimal | None
) -> None:
    """Insert or update a position; `last_price` only fills a missing one."""
    key = position.key
    await conn.execute(
        """INSERT INTO positions (position_id, client_id, exchange, token, trade_type, symbol,
               opening_trade_no, net_quantity, open_value, buy_quantity, buy_value,
               sell_quantity, sell_value, realized_pnl, opened_at, closed_at, updated_at,
               last_price)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13,$14,$15,$16,$17,$18)
           ON CONFLICT (position_id) DO UPDATE SET
               net_quantity = EXCLUDED.net_quantity, open_value = EXCLUDED.open_value,
               buy_quantity = EXCLUDED.buy_quantity, buy_value = EXCLUDED.buy_value,
               sell_quantity = EXCLUDED.sell_quantity, sell_value = EXCLUDED.sell_value,
               realized_pnl = EXCLUDED.realized_pnl, closed_at = EXCLUDED.closed_at,
               updated_at = EXCLUDED.updated_at,
               last_price = COALESCE(positions.last_price, EXCLUDED.last_price)""",
        position.position_id,
        key.client_id,
        key.exchange.value,
        key.token,
        key.trade_type.value,
        position.symbol,
        position.opening_trade_no,
        position.net_quantity,
        position.open_value,
        position.buy_quantity,
        position.buy_value,
        position.sell_quantity,
        position.sell_value,
        position.realized_pnl,
        position.opened_at,
        position.closed_at,
        position.updated_at,
        last_price,
    )


async def record_fill(
    conn: asyncpg.Connection, fill: FillIn, event_id: str, position_ids: Sequence[str]
) -> None:
    await conn.execute(
        """INSERT INTO fills (client_id, trade_no, order_id, exchange, token, symbol,
               trade_type, side, quantity, price, traded_at, position_ids, event_id)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9,$10,$11,$12,$13)""",
        fill.client_id,
        fill.trade_no,
        fill.order_id,
        fill.exchange.value,
        fill.token,
        fill.symbol,
        fill.trade_type.value,
        fill.side.value,
        fill.quantity,
        fill.price,
        fill.traded_at,
        list(position_ids),
        event_id,
    )


async def find_positions(
    db: Executor,
    *,
    client_id: str | None = None,
    token: int | None = None,
    exchange: Exchange | None = None,
    trade_type: TradeType | None = None,
    status: PositionStatus | None = None,
    limit: int = 1000,
) -> list[Held]:
    """Positions matching every given filter, newest first."""
    rows = await db.fetch(
        f"""SELECT {_POSITION_COLUMNS} FROM positions
            WHERE ($1::text IS NULL OR client_id = $1)
              AND ($2::integer IS NULL OR token = $2)
              AND ($3::text IS NULL OR exchange = $3)
              AND ($4::text IS NULL OR trade_type = $4)
              AND ($5::text IS NULL OR status = $5)
            ORDER BY updated_at DESC, position_id
            LIMIT $6""",  # noqa: S608  (constant column list)
        client_id,
        token,
        exchange.value if exchange else None,
        trade_type.value if trade_type else None,
        status,
        limit,
    )
    return [_held(r) for r in rows]


async def positions_by_id(db: Executor, position_ids: Sequence[str]) -> list[Held]:
    rows = await db.fetch(
        f"SELECT {_POSITION_COLUMNS} FROM positions WHERE position_id = ANY($1::text[])",  # noqa: S608
        list(position_ids),
    )
    return [_held(r) for r in rows]


async def mark_prices(
    db: Executor, prices: Sequence[tuple[Exchange, int, Decimal]]
) -> list[tuple[str, str]]:
    """Set the last price of every open position in these instruments: (client, position)."""
    if not prices:
        return []
    rows = await db.fetch(
        """UPDATE positions p SET last_price = q.ltp
           FROM unnest($1::text[], $2::integer[], $3::numeric[]) AS q(exchange, token, ltp)
           WHERE p.exchange = q.exchange AND p.token = q.token AND p.net_quantity <> 0
             AND p.last_price IS DISTINCT FROM q.ltp
           RETURNING p.client_id, p.position_id""",
        [e.value for e, _, _ in prices],
        [t for _, t, _ in prices],
        [p for _, _, p in prices],
    )
    return [(r["client_id"], r["position_id"]) for r in rows]


async def realized_by_client(db: Executor, client_ids: Sequence[str] | None) -> dict[str, Decimal]:
    rows = await db.fetch(
        """SELECT client_id, sum(realized_pnl) AS realized FROM positions
           WHERE $1::text[] IS NULL OR client_id = ANY($1::text[])
           GROUP BY client_id""",
        list(client_ids) if client_ids is not None else None,
    )
    return {r["client_id"]: r["realized"] for r in rows}


async def active_by_clients(db: Executor, client_ids: Sequence[str] | None) -> list[Held]:
    rows = await db.fetch(
        f"""SELECT {_POSITION_COLUMNS} FROM positions
            WHERE net_quantity <> 0 AND ($1::text[] IS NULL OR client_id = ANY($1::text[]))""",  # noqa: S608
        list(client_ids) if client_ids is not None else None,
    )
    return [_held(r) for r in rows]


async def recent_fills(db: Executor, client_id: str, limit: int) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT client_id, trade_no, order_id, exchange, token, symbol, trade_type, side,
                  quantity, price, traded_at, position_ids
           FROM fills WHERE client_id = $1 ORDER BY traded_at DESC, trade_no DESC LIMIT $2""",
        client_id,
        limit,
    )
    return [dict(r) for r in rows]


# --- margins -------------------------------------------------------------------------


@dataclass(frozen=True)
class StoredMargins:
    client_id: str
    report: str
    funds: Funds
    taken_at: datetime


async def save_margins(
    db: Executor,
    client_id: str,
    report: str,
    funds: Funds,
    rows: Sequence[MarginRow],
    taken_at: datetime,
) -> bool:
    """Keep the snapshot if it is newer than the stored one; True when it was kept."""
    kept = await db.fetchval(
        """INSERT INTO margins (client_id, report, available_cash, collateral, margin_used,
               margin_available, mtm, booked_pnl, rows, taken_at)
           VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$9::jsonb,$10)
           ON CONFLICT (client_id) DO UPDATE SET
               report = EXCLUDED.report, available_cash = EXCLUDED.available_cash,
               collateral = EXCLUDED.collateral, margin_used = EXCLUDED.margin_used,
               margin_available = EXCLUDED.margin_available, mtm = EXCLUDED.mtm,
               booked_pnl = EXCLUDED.booked_pnl, rows = EXCLUDED.rows,
               taken_at = EXCLUDED.taken_at, received_at = now()
           WHERE margins.taken_at <= EXCLUDED.taken_at
           RETURNING true""",
        client_id,
        report,
        funds.available_cash,
        funds.collateral,
        funds.margin_used,
        funds.margin_available,
        funds.mtm,
        funds.booked_pnl,
        json.dumps([r.model_dump(mode="json") for r in rows]),
        taken_at,
    )
    return bool(kept)


async def margins_of(db: Executor, client_ids: Sequence[str] | None) -> dict[str, StoredMargins]:
    rows = await db.fetch(
        """SELECT client_id, report, available_cash, collateral, margin_used, margin_available,
                  mtm, booked_pnl, taken_at
           FROM margins WHERE $1::text[] IS NULL OR client_id = ANY($1::text[])""",
        list(client_ids) if client_ids is not None else None,
    )
    return {
        r["client_id"]: StoredMargins(
            client_id=r["client_id"],
            report=r["report"],
            funds=Funds(
                available_cash=r["available_cash"],
                collateral=r["collateral"],
                margin_used=r["margin_used"],
                margin_available=r["margin_available"],
                mtm=r["mtm"],
                booked_pnl=r["booked_pnl"],
            ),
            taken_at=r["taken_at"],
        )
        for r in rows
    }


# --- reconciliation ------------------------------------------------------------------


async def held_quantities(db: Executor, client_id: str) -> list[HeldQuantity]:
    rows = await db.fetch(
        """SELECT exchange, token, trade_type, net_quantity FROM positions
           WHERE client_id = $1 AND net_quantity <> 0""",
        client_id,
    )
    return [
        HeldQuantity(
            Exchange(r["exchange"]), r["token"], TradeType(r["trade_type"]), r["net_quantity"]
        )
        for r in rows
    ]


async def replace_drift(
    conn: asyncpg.Connection,
    client_id: str,
    drifts: Sequence[Drift],
    taken_at: datetime,
    positions_seen: int,
) -> bool:
    """Make the client's drift rows what this snapshot says; repeated drift counts up.

    False (nothing changed) for a snapshot no newer than the last one compared: concurrent
    reads of the broker can arrive out of order, and an older read must not undo a newer."""
    last = await conn.fetchval(
        "SELECT taken_at FROM reconciliations WHERE client_id = $1 FOR UPDATE", client_id
    )
    if last is not None and taken_at <= last:
        return False
    keys = [(d.exchange.value, d.token, d.product) for d in drifts]
    await conn.execute(
        """DELETE FROM drift WHERE client_id = $1
             AND (exchange, token, product) NOT IN (
                 SELECT * FROM unnest($2::text[], $3::integer[], $4::text[]))""",
        client_id,
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
    )
    for d in drifts:
        await conn.execute(
            """INSERT INTO drift (client_id, exchange, token, product, trade_type, ours, broker,
                   first_seen_at, last_seen_at)
               VALUES ($1,$2,$3,$4,$5,$6,$7,$8,$8)
               ON CONFLICT (client_id, exchange, token, product) DO UPDATE SET
                   trade_type = EXCLUDED.trade_type,
                   snapshots_seen = CASE
                       WHEN drift.ours = EXCLUDED.ours AND drift.broker = EXCLUDED.broker
                       THEN drift.snapshots_seen + 1 ELSE 1 END,
                   first_seen_at = CASE
                       WHEN drift.ours = EXCLUDED.ours AND drift.broker = EXCLUDED.broker
                       THEN drift.first_seen_at ELSE EXCLUDED.first_seen_at END,
                   ours = EXCLUDED.ours, broker = EXCLUDED.broker,
                   last_seen_at = GREATEST(drift.last_seen_at, EXCLUDED.last_seen_at)""",
            client_id,
            d.exchange.value,
            d.token,
            d.product,
            d.trade_type.value if d.trade_type else None,
            d.ours,
            d.broker,
            taken_at,
        )
    await conn.execute(
        """INSERT INTO reconciliations (client_id, taken_at, positions, drifts)
           VALUES ($1, $2, $3, $4)
           ON CONFLICT (client_id) DO UPDATE SET taken_at = EXCLUDED.taken_at,
               positions = EXCLUDED.positions, drifts = EXCLUDED.drifts""",
        client_id,
        taken_at,
        positions_seen,
        len(drifts),
    )
    return True


async def list_drift(
    db: Executor, client_id: str | None, min_snapshots: int
) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT client_id, exchange, token, product, trade_type, ours, broker, snapshots_seen,
                  first_seen_at, last_seen_at, snapshots_seen >= $2 AS confirmed
           FROM drift WHERE $1::text IS NULL OR client_id = $1
           ORDER BY client_id, exchange, token, product""",
        client_id,
        min_snapshots,
    )
    return [dict(r) for r in rows]


async def count_confirmed_drift(db: Executor, min_snapshots: int) -> int:
    count: int = await db.fetchval(
        "SELECT count(*) FROM drift WHERE snapshots_seen >= $1", min_snapshots
    )
    return count


async def reconciled_at(db: Executor, client_id: str | None) -> dict[str, datetime]:
    """When each client's broker positions were last compared with ours."""
    rows = await db.fetch(
        "SELECT client_id, taken_at FROM reconciliations WHERE $1::text IS NULL OR client_id = $1",
        client_id,
    )
    return {r["client_id"]: r["taken_at"] for r in rows}
