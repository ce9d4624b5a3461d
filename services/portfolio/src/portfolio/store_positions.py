"""The portfolio's SQL for positions and fills (asyncpg) and nothing else; margins and the
broker reconciliation are in `store_accounts`."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from typing import Any

import asyncpg
from common.db import Executor, from_row
from common.enums import Exchange, PositionStatus, TradeType

from portfolio.book import FillIn, FillMarker, Position, PositionKey

_POSITION_COLUMNS = """position_id, client_id, exchange, token, trade_type, symbol,
    opening_trade_no, net_quantity, open_value, buy_quantity, buy_value, sell_quantity,
    sell_value, realized_pnl, opened_at, closed_at, updated_at, last_price"""


@dataclass(frozen=True)
class Held:
    """A stored position with the latest price it was marked at (None: no price yet)."""

    position: Position
    last_price: Decimal | None


def _held(row: asyncpg.Record) -> Held:
    key = from_row(
        PositionKey,
        row,
        exchange=Exchange(row["exchange"]),
        trade_type=TradeType(row["trade_type"]),
    )
    return Held(from_row(Position, row, key=key), row["last_price"])


# --- fills and positions -------------------------------------------------------------


@dataclass(frozen=True)
class RecordedFill:
    """An applied fill as stored: its event, the positions it changed, the P&L it booked."""

    fill: FillIn
    event_id: str
    position_ids: Sequence[str]
    realized_pnl: Decimal


async def applied_fills(
    conn: Executor, markers: Sequence[FillMarker]
) -> dict[FillMarker, list[str]]:
    """Of these trades, the ones applied before, with the positions they changed."""
    rows = await conn.fetch(
        """SELECT f.client_id, f.exchange, f.trading_date, f.trade_no, f.position_ids
           FROM fills f
           JOIN unnest($1::text[], $2::text[], $3::date[], $4::text[])
                AS k(client_id, exchange, trading_date, trade_no)
             ON f.client_id = k.client_id AND f.exchange = k.exchange
            AND f.trading_date = k.trading_date AND f.trade_no = k.trade_no""",
        [m[0] for m in markers],
        [m[1].value for m in markers],
        [m[2] for m in markers],
        [m[3] for m in markers],
    )
    return {
        (r["client_id"], Exchange(r["exchange"]), r["trading_date"], r["trade_no"]): list(
            r["position_ids"]
        )
        for r in rows
    }


async def active_positions(
    conn: asyncpg.Connection, keys: Sequence[PositionKey]
) -> dict[PositionKey, Held]:
    """The open position of each key that has one, locked until the transaction ends."""
    rows = await conn.fetch(
        f"""SELECT {_POSITION_COLUMNS} FROM positions
            WHERE (client_id, exchange, token, trade_type) IN (
                SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[]))
              AND net_quantity <> 0
            FOR UPDATE""",  # noqa: S608  (constant column list)
        [k.client_id for k in keys],
        [k.exchange.value for k in keys],
        [k.token for k in keys],
        [k.trade_type.value for k in keys],
    )
    found = [_held(r) for r in rows]
    return {h.position.key: h for h in found}


async def save_positions(
    conn: asyncpg.Connection, positions: Sequence[tuple[Position, Decimal | None]]
) -> None:
    """Insert or update positions (each id once), in the order given, in one statement.

    The order matters: a position that closes must be written before the one that opens
    in its key, or the one-open-position-per-key index refuses the new one."""
    if not positions:
        return
    columns: list[list[Any]] = [[] for _ in range(18)]
    for position, last_price in positions:
        key = position.key
        row = (position.position_id, key.client_id, key.exchange.value, key.token,
               key.trade_type.value, position.symbol, position.opening_trade_no,
               position.net_quantity, position.open_value, position.buy_quantity,
               position.buy_value, position.sell_quantity, position.sell_value,
               position.realized_pnl, position.opened_at, position.closed_at,
               position.updated_at, last_price)  # fmt: skip
        for column, value in zip(columns, row, strict=True):
            column.append(value)
    await conn.execute(
        """INSERT INTO positions (position_id, client_id, exchange, token, trade_type, symbol,
               opening_trade_no, net_quantity, open_value, buy_quantity, buy_value,
               sell_quantity, sell_value, realized_pnl, opened_at, closed_at, updated_at,
               last_price)
           SELECT position_id, client_id, exchange, token, trade_type, symbol,
               opening_trade_no, net_quantity, open_value, buy_quantity, buy_value,
               sell_quantity, sell_value, realized_pnl, opened_at, closed_at, updated_at,
               last_price
           FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[], $5::text[],
                       $6::text[], $7::text[], $8::integer[], $9::numeric[], $10::integer[],
                       $11::numeric[], $12::integer[], $13::numeric[], $14::numeric[],
                       $15::timestamptz[], $16::timestamptz[], $17::timestamptz[],
                       $18::numeric[])
                WITH ORDINALITY AS u(position_id, client_id, exchange, token, trade_type,
                       symbol, opening_trade_no, net_quantity, open_value, buy_quantity,
                       buy_value, sell_quantity, sell_value, realized_pnl, opened_at,
                       closed_at, updated_at, last_price, ord)
           ORDER BY ord
           ON CONFLICT (position_id) DO UPDATE SET
               net_quantity = EXCLUDED.net_quantity, open_value = EXCLUDED.open_value,
               buy_quantity = EXCLUDED.buy_quantity, buy_value = EXCLUDED.buy_value,
               sell_quantity = EXCLUDED.sell_quantity, sell_value = EXCLUDED.sell_value,
               realized_pnl = EXCLUDED.realized_pnl, closed_at = EXCLUDED.closed_at,
               updated_at = EXCLUDED.updated_at,
               last_price = COALESCE(EXCLUDED.last_price, positions.last_price)""",
        *columns,
    )


async def record_fills(conn: asyncpg.Connection, recorded: Sequence[RecordedFill]) -> None:
    """The applied marker of each fill (with its event id, the positions it changed and the
    realized P&L it booked to its trading date).

    A fill applied concurrently elsewhere makes this fail on the primary key, so the whole
    batch rolls back and is redelivered: then it is a duplicate, never applied twice."""
    if not recorded:
        return
    fills = [r.fill for r in recorded]
    await conn.execute(
        """INSERT INTO fills (client_id, trade_no, order_id, exchange, token, symbol,
               trade_type, side, quantity, price, traded_at, position_ids, event_id,
               trading_date, realized_pnl)
           SELECT client_id, trade_no, order_id, exchange, token, symbol, trade_type, side,
                  quantity, price, traded_at, string_to_array(position_ids, ','), event_id,
                  trading_date, realized_pnl
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::integer[],
                       $6::text[], $7::text[], $8::text[], $9::integer[], $10::numeric[],
                       $11::timestamptz[], $12::text[], $13::text[], $14::date[],
                       $15::numeric[])
                AS u(client_id, trade_no, order_id, exchange, token, symbol, trade_type, side,
                     quantity, price, traded_at, position_ids, event_id, trading_date,
                     realized_pnl)""",
        [f.client_id for f in fills],
        [f.trade_no for f in fills],
        [f.order_id for f in fills],
        [f.exchange.value for f in fills],
        [f.token for f in fills],
        [f.symbol for f in fills],
        [f.trade_type.value for f in fills],
        [f.side.value for f in fills],
        [f.quantity for f in fills],
        [f.price for f in fills],
        [f.traded_at for f in fills],
        # position ids are "pos_" + hex: a comma never occurs in one
        [",".join(r.position_ids) for r in recorded],
        [r.event_id for r in recorded],
        [f.trading_date for f in fills],
        [r.realized_pnl for r in recorded],
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


async def realized_by_client(db: Executor, client_ids: Sequence[str] | None) -> dict[str, Decimal]:
    rows = await db.fetch(
        """SELECT client_id, sum(realized_pnl) AS realized FROM positions
           WHERE $1::text[] IS NULL OR client_id = ANY($1::text[])
           GROUP BY client_id""",
        list(client_ids) if client_ids is not None else None,
    )
    return {r["client_id"]: r["realized"] for r in rows}


async def realized_on(
    db: Executor, client_ids: Sequence[str] | None, day: date
) -> dict[str, Decimal]:
    """Realized P&L booked to trading date `day`, per client (clients with fills that day)."""
    rows = await db.fetch(
        """SELECT client_id, sum(realized_pnl) AS realized FROM fills
           WHERE trading_date = $2 AND ($1::text[] IS NULL OR client_id = ANY($1::text[]))
           GROUP BY client_id""",
        list(client_ids) if client_ids is not None else None,
        day,
    )
    return {r["client_id"]: r["realized"] for r in rows}


async def active_by_clients(db: Executor, client_ids: Sequence[str] | None) -> list[Held]:
    rows = await db.fetch(
        f"""SELECT {_POSITION_COLUMNS} FROM positions
            WHERE net_quantity <> 0 AND ($1::text[] IS NULL OR client_id = ANY($1::text[]))""",  # noqa: S608
        list(client_ids) if client_ids is not None else None,
    )
    return [_held(r) for r in rows]


async def client_ids(db: Executor) -> list[str]:
    """Every client with a position, open or closed (a replica picks those of its
    partitions when they are assigned to it)."""
    rows = await db.fetch("SELECT DISTINCT client_id FROM positions")
    return [r["client_id"] for r in rows]


async def held_instruments(db: Executor) -> list[tuple[Exchange, int]]:
    """Every instrument somebody holds (what a start seeds prices for)."""
    rows = await db.fetch("SELECT DISTINCT exchange, token FROM positions WHERE net_quantity <> 0")
    return [(Exchange(r["exchange"]), r["token"]) for r in rows]


async def recent_fills(db: Executor, client_id: str, limit: int) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT client_id, trade_no, order_id, exchange, token, symbol, trade_type, side,
                  quantity, price, traded_at, position_ids, trading_date, realized_pnl
           FROM fills WHERE client_id = $1 ORDER BY traded_at DESC, trade_no DESC LIMIT $2""",
        client_id,
        limit,
    )
    return [dict(r) for r in rows]
