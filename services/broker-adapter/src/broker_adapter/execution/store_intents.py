"""SQL of the idempotency log (order_intents) and of the trade numbers already reported."""

import json
from typing import Any, TypeAlias

import asyncpg
from common.contracts.instruments import Instrument
from common.enums import OrderType, Side, TradeType

from broker_adapter.execution.intents import Intent, IntentState, check_transition

Executor: TypeAlias = asyncpg.Pool | asyncpg.Connection


def _intent(row: asyncpg.Record) -> Intent:
    instrument = row["instrument"]
    if isinstance(instrument, str):
        instrument = json.loads(instrument)
    return Intent(
        order_id=row["order_id"],
        client_id=row["client_id"],
        tag=row["tag"],
        state=IntentState(row["state"]),
        instrument=Instrument.model_validate(instrument),
        side=Side(row["side"]),
        trade_type=TradeType(row["trade_type"]),
        product=row["product"],
        order_type=OrderType(row["order_type"]),
        quantity=row["quantity"],
        price=row["price"],
        trigger_price=row["trigger_price"],
        sent_order_type=OrderType(row["sent_order_type"]),
        sent_price=row["sent_price"],
        sent_trigger_price=row["sent_trigger_price"],
        protected=row["protected"],
        broker_order_id=row["broker_order_id"],
        broker_status=row["broker_status"],
        filled_quantity=row["filled_quantity"],
        terminal_event=row["terminal_event"],
        correlation_id=row["correlation_id"],
        causation_id=row["causation_id"],
        actor=row["actor"],
        place_attempts=row["place_attempts"],
    )


async def record_intent(db: Executor, intent: Intent) -> Intent:
    """Writes the intent unless one exists for the order; returns the stored one either way."""
    row = await db.fetchrow(
        """INSERT INTO order_intents (order_id, client_id, tag, state, instrument, exchange, side,
               trade_type, product, order_type, quantity, price, trigger_price, sent_order_type,
               sent_price, sent_trigger_price, protected, correlation_id, causation_id, actor)
           VALUES ($1, $2, $3, $4, $5::jsonb, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16,
                   $17, $18, $19, $20)
           ON CONFLICT (order_id) DO NOTHING
           RETURNING *""",
        intent.order_id,
        intent.client_id,
        intent.tag,
        intent.state.value,
        intent.instrument.model_dump_json(),
        intent.instrument.exchange.value,
        intent.side.value,
        intent.trade_type.value,
        intent.product,
        intent.order_type.value,
        intent.quantity,
        intent.price,
        intent.trigger_price,
        intent.sent_order_type.value,
        intent.sent_price,
        intent.sent_trigger_price,
        intent.protected,
        intent.correlation_id,
        intent.causation_id,
        intent.actor,
    )
    if row is not None:
        return _intent(row)
    existing = await get_intent(db, intent.order_id)
    assert existing is not None
    return existing


async def get_intent(db: Executor, order_id: str) -> Intent | None:
    row = await db.fetchrow("SELECT * FROM order_intents WHERE order_id = $1", order_id)
    return _intent(row) if row else None


async def lock_intent(conn: asyncpg.Connection, order_id: str) -> Intent | None:
    """The intent, row-locked until the surrounding transaction ends."""
    row = await conn.fetchrow(
        "SELECT * FROM order_intents WHERE order_id = $1 FOR UPDATE", order_id
    )
    return _intent(row) if row else None


async def move(db: Executor, intent: Intent, state: IntentState, **fields: Any) -> Intent:
    """Moves the intent to `state` (checked against the transition table) and sets `fields`."""
    check_transition(intent.order_id, intent.state, state)
    allowed = {
        "broker_order_id",
        "broker_status",
        "filled_quantity",
        "terminal_event",
        "last_error",
        "place_attempts",
        "quantity",
        "order_type",
        "price",
        "trigger_price",
        "sent_order_type",
        "sent_price",
        "sent_trigger_price",
        "protected",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)} on an intent")
    values: list[Any] = [intent.order_id, state.value]
    sets = ["state = $2", "updated_at = now()"]
    for name, value in fields.items():
        if isinstance(value, OrderType):
            value = value.value
        values.append(value)
        sets.append(f"{name} = ${len(values)}")
    row = await db.fetchrow(
        f"UPDATE order_intents SET {', '.join(sets)} WHERE order_id = $1 RETURNING *",  # noqa: S608
        *values,
    )
    assert row is not None
    return _intent(row)


async def open_intents(db: Executor, client_id: str) -> list[Intent]:
    rows = await db.fetch(
        "SELECT * FROM order_intents WHERE client_id = $1 AND state <> 'DONE' ORDER BY created_at",
        client_id,
    )
    return [_intent(r) for r in rows]


async def intents_by_broker_id(db: Executor, client_id: str, ids: list[str]) -> list[Intent]:
    rows = await db.fetch(
        "SELECT * FROM order_intents WHERE client_id = $1 AND broker_order_id = ANY($2::text[])",
        client_id,
        ids,
    )
    return [_intent(r) for r in rows]


async def clients_with_open_orders(db: Executor) -> list[str]:
    rows = await db.fetch(
        "SELECT DISTINCT client_id FROM order_intents WHERE state IN ('PLACED', 'UNKNOWN')"
    )
    return [r["client_id"] for r in rows]


async def unreported_trades(db: Executor, client_id: str, trade_nos: list[str]) -> set[str]:
    """Which of `trade_nos` have not been published yet."""
    rows = await db.fetch(
        """SELECT t FROM unnest($2::text[]) AS t
           WHERE NOT EXISTS (SELECT 1 FROM emitted_trades e
                             WHERE e.client_id = $1 AND e.trade_no = t)""",
        client_id,
        trade_nos,
    )
    return {r["t"] for r in rows}


async def mark_trade(
    conn: asyncpg.Connection, client_id: str, trade_no: str, order_id: str, quantity: int
) -> bool:
    """Claims a trade number; False if it was already reported."""
    done = await conn.fetchval(
        """INSERT INTO emitted_trades (client_id, trade_no, order_id, quantity)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true""",
        client_id,
        trade_no,
        order_id,
        quantity,
    )
    return bool(done)


async def record_fill(db: Executor, order_id: str, filled_quantity: int, complete: bool) -> None:
    """The order's filled quantity after a reported trade; `complete` marks it filled."""
    await db.execute(
        """UPDATE order_intents SET filled_quantity = $2, updated_at = now(),
                  terminal_event = CASE WHEN $3 THEN 'order.filled' ELSE terminal_event END
           WHERE order_id = $1""",
        order_id,
        filled_quantity,
        complete,
    )
