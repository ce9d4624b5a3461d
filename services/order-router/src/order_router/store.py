"""The order-router's SQL (asyncpg) and nothing else."""

import json
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeAlias

import asyncpg
from common.contracts.accounts import ClientUpserted, MarginSnapshot, RiskLimits, SessionChanged
from common.contracts.instruments import Instrument
from common.contracts.order_events import Fill
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType

from order_router.orders import Order
from order_router.risk import ClientState, SessionState

Conn: TypeAlias = asyncpg.Connection | asyncpg.Pool

_ORDER_COLUMNS = (
    "order_id, batch_id, client_id, token, exchange, symbol, lot_size, tick_size, "
    "execution_type, side, order_type, trade_type, quantity, price, trigger_price, tag, "
    "status, rule, reason, risk_notes, filled_quantity, average_price, broker_order_id, "
    "sent_order_type, sent_price, protected, actor, correlation_id, created_at, updated_at"
)
_TERMINAL = [s.value for s in OrderStatus if s.is_terminal]


def _order_values(o: Order) -> tuple[Any, ...]:
    i = o.instrument
    return (
        o.order_id, o.batch_id, o.client_id, i.token, i.exchange.value, i.symbol, i.lot_size,
        i.tick_size, o.execution_type.value, o.side.value if o.side else None,
        o.order_type.value, o.trade_type.value, o.quantity, o.price, o.trigger_price, o.tag,
        o.status.value, o.rule, o.reason, list(o.risk_notes), o.filled_quantity,
        o.average_price, o.broker_order_id,
        o.sent_order_type.value if o.sent_order_type else None, o.sent_price, o.protected,
        o.actor, o.correlation_id, o.created_at, o.updated_at,
    )  # fmt: skip


def _order(row: asyncpg.Record) -> Order:
    return Order(
        order_id=row["order_id"],
        batch_id=row["batch_id"],
        client_id=row["client_id"],
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
        quantity=row["quantity"],
        price=row["price"],
        trigger_price=row["trigger_price"],
        tag=row["tag"],
        status=OrderStatus(row["status"]),
        rule=row["rule"],
        reason=row["reason"],
        risk_notes=tuple(row["risk_notes"]),
        filled_quantity=row["filled_quantity"],
        average_price=row["average_price"],
        broker_order_id=row["broker_order_id"],
        sent_order_type=OrderType(row["sent_order_type"]) if row["sent_order_type"] else None,
        sent_price=row["sent_price"],
        protected=row["protected"],
        actor=row["actor"],
        correlation_id=row["correlation_id"],
        created_at=row["created_at"],
        updated_at=row["updated_at"],
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


async def insert_batch(conn: asyncpg.Connection, b: BatchRow) -> None:
    await conn.execute(
        """INSERT INTO batches (batch_id, kind, token, exchange, execution_type, order_type,
               trade_type, price, trigger_price, tag, actor, order_count)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12)
           ON CONFLICT (batch_id) DO NOTHING""",
        b.batch_id, b.kind, b.token, b.exchange, b.execution_type, b.order_type, b.trade_type,
        b.price, b.trigger_price, b.tag, b.actor, b.order_count,
    )  # fmt: skip


async def insert_orders(conn: asyncpg.Connection, orders: Sequence[Order]) -> None:
    """Insert new orders; an order id already present is left as it is (redelivery)."""
    placeholders = ", ".join(f"${n}" for n in range(1, 31))
    await conn.executemany(
        f"INSERT INTO orders ({_ORDER_COLUMNS}) VALUES ({placeholders}) "  # noqa: S608
        "ON CONFLICT (order_id) DO NOTHING",
        [_order_values(o) for o in orders],
    )


async def update_orders(conn: asyncpg.Connection, orders: Sequence[Order]) -> None:
    """Write back what events and requests change on an order."""
    await conn.executemany(
        """UPDATE orders SET status = $2, rule = $3, reason = $4, filled_quantity = $5,
               average_price = $6, broker_order_id = $7, sent_order_type = $8, sent_price = $9,
               protected = $10, order_type = $11, quantity = $12, price = $13,
               trigger_price = $14, updated_at = $15
           WHERE order_id = $1""",
        [
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
        ],
    )


async def orders_by_id(
    conn: Conn, order_ids: Iterable[str], *, for_update: bool = False
) -> dict[str, Order]:
    lock = " ORDER BY order_id FOR UPDATE" if for_update else ""
    rows = await conn.fetch(
        f"SELECT {_ORDER_COLUMNS} FROM orders WHERE order_id = ANY($1::text[]){lock}",  # noqa: S608
        list(order_ids),
    )
    return {r["order_id"]: _order(r) for r in rows}


async def get_order(conn: Conn, order_id: str) -> Order | None:
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


async def list_orders(conn: Conn, f: OrderFilter) -> list[Order]:
    rows = await conn.fetch(
        f"""SELECT {_ORDER_COLUMNS} FROM orders
            WHERE ($1::text IS NULL OR client_id = $1)
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


async def batch_orders(conn: Conn, batch_id: str) -> list[Order]:
    rows = await conn.fetch(
        f"SELECT {_ORDER_COLUMNS} FROM orders WHERE batch_id = $1 ORDER BY client_id",  # noqa: S608
        batch_id,
    )
    return [_order(r) for r in rows]


async def get_batch(conn: Conn, batch_id: str) -> asyncpg.Record | None:
    return await conn.fetchrow("SELECT * FROM batches WHERE batch_id = $1", batch_id)


async def working_orders(conn: Conn, client_id: str | None) -> list[Order]:
    """Orders that may still trade, for one client or everyone."""
    rows = await conn.fetch(
        f"""SELECT {_ORDER_COLUMNS} FROM orders
            WHERE status NOT IN ('DENIED', 'REJECTED', 'FILLED', 'CANCELED', 'EXPIRED')
              AND status <> 'PENDING'
              AND ($1::text IS NULL OR client_id = $1)""",  # noqa: S608
        client_id,
    )
    return [_order(r) for r in rows]


async def open_orders_created_before(
    conn: Conn, cutoff: datetime, *, for_update: bool = False
) -> list[Order]:
    lock = " FOR UPDATE" if for_update else ""
    rows = await conn.fetch(
        f"""SELECT {_ORDER_COLUMNS} FROM orders
            WHERE status <> ALL($1::text[]) AND created_at < $2{lock}""",  # noqa: S608
        _TERMINAL,
        cutoff,
    )
    return [_order(r) for r in rows]


# --- idempotency of the event consumer ---------------------------------------------------


async def claim_events(conn: asyncpg.Connection, event_ids: Sequence[str]) -> set[str]:
    """Record event ids as applied; returns those not applied before."""
    rows = await conn.fetch(
        """INSERT INTO applied_events (event_id) SELECT unnest($1::text[])
           ON CONFLICT DO NOTHING RETURNING event_id""",
        list(event_ids),
    )
    return {r["event_id"] for r in rows}


async def claim_fills(conn: asyncpg.Connection, fills: Sequence[Fill]) -> set[tuple[str, str]]:
    """Record fills by (client_id, trade_no); returns the keys not recorded before."""
    if not fills:
        return set()
    rows = await conn.fetch(
        """INSERT INTO fills (client_id, trade_no, order_id, quantity, price, traded_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::integer[],
                                $5::numeric[], $6::timestamptz[])
           ON CONFLICT DO NOTHING RETURNING client_id, trade_no""",
        [f.client_id for f in fills],
        [f.trade_no for f in fills],
        [f.order_id for f in fills],
        [f.quantity for f in fills],
        [f.price for f in fills],
        [f.traded_at for f in fills],
    )
    return {(r["client_id"], r["trade_no"]) for r in rows}


# --- account copies --------------------------------------------------------------------


async def upsert_clients(conn: Conn, clients: Sequence[ClientUpserted]) -> None:
    await conn.executemany(
        """INSERT INTO clients (client_id, active, exchanges, trade_types, max_order_quantity,
               max_order_value, max_open_positions, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (client_id) DO UPDATE SET active = EXCLUDED.active,
               exchanges = EXCLUDED.exchanges, trade_types = EXCLUDED.trade_types,
               max_order_quantity = EXCLUDED.max_order_quantity,
               max_order_value = EXCLUDED.max_order_value,
               max_open_positions = EXCLUDED.max_open_positions,
               updated_at = EXCLUDED.updated_at
           WHERE clients.updated_at <= EXCLUDED.updated_at""",
        [
            (
                c.client_id,
                c.active,
                [e.value for e in c.exchanges],
                [t.value for t in c.trade_types],
                c.limits.max_order_quantity,
                c.limits.max_order_value,
                c.limits.max_open_positions,
                c.occurred_at,
            )
            for c in clients
        ],
    )


async def upsert_sessions(conn: Conn, sessions: Sequence[SessionChanged]) -> None:
    await conn.executemany(
        """INSERT INTO sessions (client_id, state, error_code, reason, updated_at)
           VALUES ($1, $2, $3, $4, $5)
           ON CONFLICT (client_id) DO UPDATE SET state = EXCLUDED.state,
               error_code = EXCLUDED.error_code, reason = EXCLUDED.reason,
               updated_at = EXCLUDED.updated_at
           WHERE sessions.updated_at <= EXCLUDED.updated_at""",
        [(s.client_id, s.state, s.error_code, s.reason, s.occurred_at) for s in sessions],
    )


async def upsert_margins(conn: Conn, snapshots: Sequence[MarginSnapshot]) -> None:
    await conn.executemany(
        """INSERT INTO margins (client_id, report, rows, taken_at) VALUES ($1, $2, $3, $4)
           ON CONFLICT (client_id, report) DO UPDATE SET rows = EXCLUDED.rows,
               taken_at = EXCLUDED.taken_at
           WHERE margins.taken_at <= EXCLUDED.taken_at""",
        [
            (
                m.client_id,
                m.report,
                json.dumps([[r.srno, str(r.amount)] for r in m.rows]),
                m.taken_at,
            )
            for m in snapshots
        ],
    )


@dataclass(frozen=True)
class AccountFacts:
    clients: dict[str, ClientState]
    sessions: dict[str, SessionState]
    margin_rows: dict[str, dict[int, Decimal]]  # client -> srno -> amount (latest report)


async def account_facts(conn: Conn, client_ids: Sequence[str]) -> AccountFacts:
    """Everything risk needs about many clients, in three queries."""
    ids = list(client_ids)
    client_rows = await conn.fetch("SELECT * FROM clients WHERE client_id = ANY($1::text[])", ids)
    session_rows = await conn.fetch("SELECT * FROM sessions WHERE client_id = ANY($1::text[])", ids)
    margin_rows = await conn.fetch(
        """SELECT DISTINCT ON (client_id) client_id, rows FROM margins
           WHERE client_id = ANY($1::text[]) ORDER BY client_id, taken_at DESC""",
        ids,
    )
    clients = {
        r["client_id"]: ClientState(
            client_id=r["client_id"],
            active=r["active"],
            exchanges=frozenset(Exchange(e) for e in r["exchanges"]),
            trade_types=frozenset(TradeType(t) for t in r["trade_types"]),
            limits=RiskLimits(
                max_order_quantity=r["max_order_quantity"],
                max_order_value=r["max_order_value"],
                max_open_positions=r["max_open_positions"],
            ),
        )
        for r in client_rows
    }
    sessions = {
        r["client_id"]: SessionState(r["state"], r["reason"], r["error_code"]) for r in session_rows
    }
    margins = {
        r["client_id"]: {int(s): Decimal(a) for s, a in json.loads(r["rows"])} for r in margin_rows
    }
    return AccountFacts(clients, sessions, margins)


# --- kill switch -----------------------------------------------------------------------

GLOBAL_SCOPE = "*"


async def set_kill_switch(conn: Conn, scope: str, engaged: bool, reason: str, actor: str) -> None:
    await conn.execute(
        """INSERT INTO kill_switches (scope, engaged, reason, actor, updated_at)
           VALUES ($1, $2, $3, $4, now())
           ON CONFLICT (scope) DO UPDATE SET engaged = EXCLUDED.engaged,
               reason = EXCLUDED.reason, actor = EXCLUDED.actor, updated_at = now()""",
        scope,
        engaged,
        reason,
        actor,
    )


async def kill_switches(conn: Conn) -> list[asyncpg.Record]:
    return list(await conn.fetch("SELECT * FROM kill_switches ORDER BY scope"))
