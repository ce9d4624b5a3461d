"""The router's SQL for orders and their batches (asyncpg) and nothing else.

A batch row is inserted with its orders in one statement, so both live here."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
from common.contracts.instruments import Instrument
from common.db import Executor, from_row
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType

from order_router.orders import Order
from order_router.transitions import TERMINAL_STATUSES, WORKING_STATUSES

_ORDER_COLUMNS = (
    "order_id, batch_id, client_id, token, exchange, symbol, lot_size, tick_size, "
    "execution_type, side, order_type, trade_type, quantity, price, trigger_price, tag, "
    "status, rule, reason, risk_notes, filled_quantity, average_price, broker_order_id, "
    "sent_order_type, sent_price, protected, actor, correlation_id, created_at, updated_at, "
    "amo, parent_order_id, slice_count, leg, waits_for"
)
_ORDER_TYPES = (
    "text, text, text, integer, text, text, integer, numeric, text, text, text, text, integer, "
    "numeric, numeric, text, text, text, text, text, integer, numeric, text, text, numeric, "
    "boolean, text, text, timestamptz, timestamptz, boolean, text, integer, integer, text"
)
"""Postgres type of each of _ORDER_COLUMNS, for unnest; risk_notes travels as JSON text
(unnest would flatten an array of arrays)."""


def _unnest(columns: str, types: str, first: int = 1) -> tuple[str, str]:
    """`unnest($first::t1[], ...) AS u(c1, ...)` over the columns, and the SELECT list."""
    names = [c.strip() for c in columns.split(",")]
    kinds = [t.strip() for t in types.split(",")]
    assert len(names) == len(kinds), "one type per column"
    arrays = ", ".join(f"${n}::{kind}[]" for n, kind in enumerate(kinds, start=first))
    return f"unnest({arrays}) AS u({', '.join(names)})", ", ".join(f"u.{n}" for n in names)


def _columns(rows: Sequence[tuple[Any, ...]], width: int) -> list[list[Any]]:
    """Rows to one list per column (what unnest takes)."""
    return [[row[i] for row in rows] for i in range(width)] if rows else [[] for _ in range(width)]


def _order_values(o: Order) -> tuple[Any, ...]:
    i = o.instrument
    return (
        o.order_id, o.batch_id, o.client_id, i.token, i.exchange.value, i.symbol, i.lot_size,
        i.tick_size, o.execution_type.value, o.side.value if o.side else None,
        o.order_type.value, o.trade_type.value, o.quantity, o.price, o.trigger_price, o.tag,
        o.status.value, o.rule, o.reason, json.dumps(list(o.risk_notes)), o.filled_quantity,
        o.average_price, o.broker_order_id,
        o.sent_order_type.value if o.sent_order_type else None, o.sent_price, o.protected,
        o.actor, o.correlation_id, o.created_at, o.updated_at, o.amo, o.parent_order_id,
        o.slice_count, o.leg, o.waits_for,
    )  # fmt: skip


def _order(row: asyncpg.Record) -> Order:
    return from_row(
        Order,
        row,
        instrument=Instrument(
            token=row["token"],
            exchange=Exchange(row["exchange"]),
            symbol=row["symbol"],
            lot_size=row["lot_size"],
            tick_size=row["tick_size"].normalize(),
        ),
        execution_type=ExecutionType(row["execution_type"]),
        side=Side(row["side"]) if row["side"] else None,
        order_type=OrderType(row["order_type"]),
        trade_type=TradeType(row["trade_type"]),
        status=OrderStatus(row["status"]),
        risk_notes=tuple(row["risk_notes"]),
        sent_order_type=OrderType(row["sent_order_type"]) if row["sent_order_type"] else None,
    )


# --- batches and orders ---------------------------------------------------------------


@dataclass(frozen=True)
class BatchRow:
    batch_id: str
    kind: str
    token: int
    exchange: str | None
    execution_type: str
    order_type: str
    trade_type: str | None
    price: Decimal | None
    trigger_price: Decimal | None
    tag: str | None
    actor: str
    order_count: int
    legs: str | None = None
    """A basket's legs as asked, JSON text."""


_BATCH_COLUMNS = (
    "batch_id, kind, token, exchange, execution_type, order_type, trade_type, price, "
    "trigger_price, tag, actor, order_count, legs"
)
_ORDERS_FROM, _ORDERS_SELECT = _unnest(_ORDER_COLUMNS, _ORDER_TYPES)
_ORDERS_SELECT = _ORDERS_SELECT.replace(
    "u.risk_notes", "ARRAY(SELECT jsonb_array_elements_text(u.risk_notes::jsonb))"
)
_ORDER_WIDTH = len(_ORDER_COLUMNS.split(","))


_BATCHES_FROM, _ = _unnest(
    _BATCH_COLUMNS,
    "text, text, integer, text, text, text, text, numeric, numeric, text, text, integer, jsonb",
    first=_ORDER_WIDTH + 1,  # after the orders' arrays
)


async def insert_batch_orders(
    conn: Executor, batches: Sequence[BatchRow], orders: Sequence[Order]
) -> set[str]:
    """Batches and their new orders in ONE statement; returns the order ids inserted now.

    An order id already present is left as it is (a redelivered request inserts nothing),
    and so is a batch row.
    """
    batch_rows = [
        (b.batch_id, b.kind, b.token, b.exchange, b.execution_type, b.order_type, b.trade_type,
         b.price, b.trigger_price, b.tag, b.actor, b.order_count, b.legs)
        for b in batches
    ]  # fmt: skip
    rows = await conn.fetch(
        f"""WITH batch AS (
                INSERT INTO batches ({_BATCH_COLUMNS}) SELECT * FROM {_BATCHES_FROM}
                ON CONFLICT (batch_id) DO NOTHING)
            INSERT INTO orders ({_ORDER_COLUMNS})
            SELECT {_ORDERS_SELECT} FROM {_ORDERS_FROM}
            ON CONFLICT (order_id) DO NOTHING RETURNING order_id""",  # noqa: S608
        *_columns([_order_values(o) for o in orders], _ORDER_WIDTH),
        *_columns(batch_rows, 13),
    )
    return {r["order_id"] for r in rows}


_UPDATE_COLUMNS = (
    "order_id, status, rule, reason, filled_quantity, average_price, broker_order_id, "
    "sent_order_type, sent_price, protected, order_type, quantity, price, trigger_price, "
    "updated_at"
)
_UPDATE_FROM, _ = _unnest(
    _UPDATE_COLUMNS,
    "text, text, text, text, integer, numeric, text, text, numeric, boolean, text, integer, "
    "numeric, numeric, timestamptz",
)
_UPDATE_SET = ", ".join(
    f"{c} = u.{c}" for c in (c.strip() for c in _UPDATE_COLUMNS.split(",")) if c != "order_id"
)


async def update_orders(conn: Executor, orders: Sequence[Order]) -> None:
    """Write back what events and requests change on orders: ONE statement for all."""
    if not orders:
        return
    rows = [
        (
            o.order_id,
            o.status.value,
            o.rule,
            o.reason,
            o.filled_quantity,
            o.average_price,
            o.broker_order_id,
            o.sent_order_type.value if o.sent_order_type else None,
            o.sent_price,
            o.protected,
            o.order_type.value,
            o.quantity,
            o.price,
            o.trigger_price,
            o.updated_at,
        )
        for o in orders
    ]
    await conn.execute(
        f"UPDATE orders SET {_UPDATE_SET} FROM {_UPDATE_FROM} "  # noqa: S608
        "WHERE orders.order_id = u.order_id",
        *_columns(rows, 15),
    )


async def orders_by_id(
    conn: Executor, order_ids: Iterable[str], *, for_update: bool = False
) -> dict[str, Order]:
    lock = " ORDER BY order_id FOR UPDATE" if for_update else ""
    rows = await conn.fetch(
        f"SELECT {_ORDER_COLUMNS} FROM orders WHERE order_id = ANY($1::text[]){lock}",  # noqa: S608
        list(order_ids),
    )
    return {r["order_id"]: _order(r) for r in rows}


async def get_order(conn: Executor, order_id: str) -> Order | None:
    return (await orders_by_id(conn, [order_id])).get(order_id)


@dataclass(frozen=True)
class OrderFilter:
    client_id: str | None = None
    token: int | None = None
    status: Sequence[str] = ()
    batch_id: str | None = None
    since: datetime | None = None
    until: datetime | None = None
    limit: int = 100
    offset: int = 0


async def list_orders(conn: Executor, f: OrderFilter) -> list[Order]:
    rows = await conn.fetch(
        f"""SELECT {_ORDER_COLUMNS} FROM orders
            WHERE ($1::text IS NULL OR client_id = $1)
              AND parent_order_id IS NULL
              AND ($2::integer IS NULL OR token = $2)
              AND (cardinality($3::text[]) = 0 OR status = ANY($3::text[]))
              AND ($4::text IS NULL OR batch_id = $4)
              AND ($5::timestamptz IS NULL OR created_at >= $5)
              AND ($6::timestamptz IS NULL OR created_at < $6)
            ORDER BY created_at DESC, order_id
            LIMIT $7 OFFSET $8""",  # noqa: S608
        f.client_id, f.token, list(f.status), f.batch_id, f.since, f.until, f.limit, f.offset,
    )  # fmt: skip
    return [_order(r) for r in rows]


async def slices_of(
    conn: Executor, parent_ids: Iterable[str], *, for_update: bool = False
) -> dict[str, list[Order]]:
    """Each sliced order's slices (the parents themselves are read with orders_by_id)."""
    lock = " ORDER BY order_id FOR UPDATE" if for_update else " ORDER BY order_id"
    rows = await conn.fetch(
        f"""SELECT {_ORDER_COLUMNS} FROM orders
            WHERE parent_order_id = ANY($1::text[]){lock}""",  # noqa: S608
        list(parent_ids),
    )
    found: dict[str, list[Order]] = {}
    for row in rows:
        found.setdefault(row["parent_order_id"], []).append(_order(row))
    return found


async def waiting_on(conn: Executor, order_ids: Iterable[str]) -> list[Order]:
    """Basket legs (and their slices) still held until one of `order_ids` is settled."""
    rows = await conn.fetch(
        f"""SELECT {_ORDER_COLUMNS} FROM orders
            WHERE waits_for = ANY($1::text[]) AND status = 'PENDING'
            ORDER BY order_id FOR UPDATE""",  # noqa: S608
        list(order_ids),
    )
    return [_order(r) for r in rows]


async def batch_orders(conn: Executor, batch_id: str) -> list[Order]:
    rows = await conn.fetch(
        f"""SELECT {_ORDER_COLUMNS} FROM orders WHERE batch_id = $1
            ORDER BY client_id, leg, order_id""",  # noqa: S608
        batch_id,
    )
    return [_order(r) for r in rows]


async def get_batch(conn: Executor, batch_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM batches WHERE batch_id = $1", batch_id)


async def working_orders(conn: Executor, client_id: str | None) -> list[Order]:
    """Orders that may still trade, for one client or everyone: the ones at the broker (a
    sliced order's slices, not the parent, which is never sent)."""
    rows = await conn.fetch(
        f"""SELECT {_ORDER_COLUMNS} FROM orders
            WHERE status = ANY($2::text[]) AND slice_count = 0
              AND ($1::text IS NULL OR client_id = $1)""",  # noqa: S608
        client_id,
        [s.value for s in WORKING_STATUSES],
    )
    return [_order(r) for r in rows]


async def working_order_ages(conn: Executor) -> list[asyncpg.Record]:
    """Working orders by status and type: how many, and seconds since the oldest one's last
    change (its last news from the broker or the router)."""
    return await conn.fetch(
        """SELECT status, order_type, count(*) AS orders,
                  EXTRACT(EPOCH FROM now() - min(updated_at))::float8 AS oldest_seconds
           FROM orders WHERE status = ANY($1::text[]) GROUP BY status, order_type""",
        [s.value for s in WORKING_STATUSES],
    )


async def open_orders_created_before(
    conn: Executor, cutoff: datetime, *, for_update: bool = False
) -> list[Order]:
    lock = " FOR UPDATE" if for_update else ""
    rows = await conn.fetch(
        f"""SELECT {_ORDER_COLUMNS} FROM orders
            WHERE status <> ALL($1::text[]) AND created_at < $2{lock}""",  # noqa: S608
        [s.value for s in TERMINAL_STATUSES],
        cutoff,
    )
    return [_order(r) for r in rows]
