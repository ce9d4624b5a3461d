"""The portfolio's SQL (asyncpg) and nothing else."""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date, datetime
from decimal import Decimal
from typing import Any

import asyncpg
from common.contracts.accounts import MarginRow
from common.db import Executor
from common.enums import Exchange, PositionStatus, TradeType

from portfolio.book import FillIn, FillMarker, Position, PositionKey
from portfolio.drift import DriftKey, DriftRecord, HeldQuantity
from portfolio.margins import Funds

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


async def open_positions(db: Executor) -> list[Held]:
    """Every open position (what the live book starts from)."""
    rows = await db.fetch(
        f"SELECT {_POSITION_COLUMNS} FROM positions WHERE net_quantity <> 0"  # noqa: S608
    )
    return [_held(r) for r in rows]


async def recent_fills(db: Executor, client_id: str, limit: int) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT client_id, trade_no, order_id, exchange, token, symbol, trade_type, side,
                  quantity, price, traded_at, position_ids, trading_date, realized_pnl
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
    db: Executor, snapshots: Sequence[tuple[StoredMargins, Sequence[MarginRow]]]
) -> set[str]:
    """Keep each snapshot newer than (or as new as) the stored one, in one statement.

    At most one snapshot per client (ON CONFLICT cannot touch a row twice): the caller keeps
    the newest of a batch. Returns the clients whose snapshot was kept."""
    if not snapshots:
        return set()
    rows = await db.fetch(
        """INSERT INTO margins (client_id, report, available_cash, collateral, margin_used,
               margin_available, mtm, booked_pnl, rows, taken_at)
           SELECT client_id, report, available_cash, collateral, margin_used,
                  margin_available, mtm, booked_pnl, rows::jsonb, taken_at
           FROM unnest($1::text[], $2::text[], $3::numeric[], $4::numeric[], $5::numeric[],
                       $6::numeric[], $7::numeric[], $8::numeric[], $9::text[],
                       $10::timestamptz[])
                AS u(client_id, report, available_cash, collateral, margin_used,
                     margin_available, mtm, booked_pnl, rows, taken_at)
           ON CONFLICT (client_id) DO UPDATE SET
               report = EXCLUDED.report, available_cash = EXCLUDED.available_cash,
               collateral = EXCLUDED.collateral, margin_used = EXCLUDED.margin_used,
               margin_available = EXCLUDED.margin_available, mtm = EXCLUDED.mtm,
               booked_pnl = EXCLUDED.booked_pnl, rows = EXCLUDED.rows,
               taken_at = EXCLUDED.taken_at, received_at = now()
           WHERE margins.taken_at <= EXCLUDED.taken_at
           RETURNING client_id""",
        [m.client_id for m, _ in snapshots],
        [m.report for m, _ in snapshots],
        [m.funds.available_cash for m, _ in snapshots],
        [m.funds.collateral for m, _ in snapshots],
        [m.funds.margin_used for m, _ in snapshots],
        [m.funds.margin_available for m, _ in snapshots],
        [m.funds.mtm for m, _ in snapshots],
        [m.funds.booked_pnl for m, _ in snapshots],
        [json.dumps([r.model_dump(mode="json") for r in rows]) for _, rows in snapshots],
        [m.taken_at for m, _ in snapshots],
    )
    return {r["client_id"] for r in rows}


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


async def held_quantities(db: Executor, client_ids: Sequence[str]) -> dict[str, list[HeldQuantity]]:
    """Our open net quantities of each client."""
    rows = await db.fetch(
        """SELECT client_id, exchange, token, trade_type, net_quantity FROM positions
           WHERE client_id = ANY($1::text[]) AND net_quantity <> 0""",
        list(client_ids),
    )
    held: dict[str, list[HeldQuantity]] = {c: [] for c in client_ids}
    for r in rows:
        held[r["client_id"]].append(
            HeldQuantity(
                Exchange(r["exchange"]), r["token"], TradeType(r["trade_type"]), r["net_quantity"]
            )
        )
    return held


@dataclass(frozen=True)
class Reconciliation:
    """The last broker snapshot compared for a client."""

    taken_at: datetime
    positions: int
    drifts: int


async def drift_state(
    conn: asyncpg.Connection, client_ids: Sequence[str]
) -> tuple[dict[str, datetime], dict[str, dict[DriftKey, DriftRecord]]]:
    """When each client was last compared (rows locked until the transaction ends) and its
    stored drift."""
    compared = await conn.fetch(
        """SELECT client_id, taken_at FROM reconciliations WHERE client_id = ANY($1::text[])
           FOR UPDATE""",
        list(client_ids),
    )
    rows = await conn.fetch(
        """SELECT client_id, exchange, token, product, trade_type, ours, broker, snapshots_seen,
                  first_seen_at, last_seen_at
           FROM drift WHERE client_id = ANY($1::text[])""",
        list(client_ids),
    )
    records: dict[str, dict[DriftKey, DriftRecord]] = {c: {} for c in client_ids}
    for r in rows:
        record = DriftRecord(
            exchange=Exchange(r["exchange"]),
            token=r["token"],
            product=r["product"],
            trade_type=TradeType(r["trade_type"]) if r["trade_type"] else None,
            ours=r["ours"],
            broker=r["broker"],
            snapshots_seen=r["snapshots_seen"],
            first_seen_at=r["first_seen_at"],
            last_seen_at=r["last_seen_at"],
        )
        records[r["client_id"]][record.key] = record
    return {r["client_id"]: r["taken_at"] for r in compared}, records


async def save_drift(
    conn: asyncpg.Connection,
    records: Mapping[str, Iterable[DriftRecord]],
    compared: Mapping[str, Reconciliation],
) -> None:
    """Make these clients' drift rows exactly `records` and note what was compared."""
    clients = sorted(compared)
    if not clients:
        return
    await conn.execute("DELETE FROM drift WHERE client_id = ANY($1::text[])", clients)
    flat = [(c, d) for c in clients for d in records.get(c, ())]
    if flat:
        await conn.execute(
            """INSERT INTO drift (client_id, exchange, token, product, trade_type, ours, broker,
                   snapshots_seen, first_seen_at, last_seen_at)
               SELECT * FROM unnest($1::text[], $2::text[], $3::integer[], $4::text[],
                   $5::text[], $6::integer[], $7::integer[], $8::integer[],
                   $9::timestamptz[], $10::timestamptz[])""",
            [c for c, _ in flat],
            [d.exchange.value for _, d in flat],
            [d.token for _, d in flat],
            [d.product for _, d in flat],
            [d.trade_type.value if d.trade_type else None for _, d in flat],
            [d.ours for _, d in flat],
            [d.broker for _, d in flat],
            [d.snapshots_seen for _, d in flat],
            [d.first_seen_at for _, d in flat],
            [d.last_seen_at for _, d in flat],
        )
    await conn.execute(
        """INSERT INTO reconciliations (client_id, taken_at, positions, drifts)
           SELECT * FROM unnest($1::text[], $2::timestamptz[], $3::integer[], $4::integer[])
           ON CONFLICT (client_id) DO UPDATE SET taken_at = EXCLUDED.taken_at,
               positions = EXCLUDED.positions, drifts = EXCLUDED.drifts""",
        clients,
        [compared[c].taken_at for c in clients],
        [compared[c].positions for c in clients],
        [compared[c].drifts for c in clients],
    )


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
