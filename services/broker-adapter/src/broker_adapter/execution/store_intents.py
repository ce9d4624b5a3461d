"""SQL of the idempotency log (order_intents) and of the trade numbers already reported.

Broker order ids and trade numbers restart every trading day, so both are looked up
within one trading date (an intent's is the session its broker order id was given in).
"""

import json
from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date
from typing import Any

import asyncpg
from common.contracts.instruments import Instrument
from common.db import Executor, from_row
from common.enums import OrderType, Side, TradeType

from broker_adapter.execution.intents import Intent, IntentState, check_transition
from broker_adapter.execution.protection import SentTerms


def _intent(row: asyncpg.Record) -> Intent:
    instrument = row["instrument"]
    if isinstance(instrument, str):
        instrument = json.loads(instrument)
    return from_row(
        Intent,
        row,
        state=IntentState(row["state"]),
        instrument=Instrument.model_validate(instrument),
        side=Side(row["side"]),
        trade_type=TradeType(row["trade_type"]),
        order_type=OrderType(row["order_type"]),
        sent=SentTerms(
            OrderType(row["sent_order_type"]),
            row["sent_price"],
            row["sent_trigger_price"],
            row["protected"],
        ),
    )


_COLUMNS = (
    "order_id", "client_id", "tag", "state", "instrument", "exchange", "side", "trade_type",
    "product", "order_type", "quantity", "price", "trigger_price", "sent_order_type",
    "sent_price", "sent_trigger_price", "protected", "correlation_id", "causation_id", "actor",
    "place_attempts", "amo",
)  # fmt: skip
_TYPES = (
    "text", "text", "text", "text", "jsonb", "text", "text", "text", "text", "text", "int",
    "numeric", "numeric", "text", "numeric", "numeric", "bool", "text", "text", "text", "int",
    "bool",
)  # fmt: skip


def _values(intent: Intent) -> tuple[Any, ...]:
    sent = intent.sent
    return (
        intent.order_id, intent.client_id, intent.tag, intent.state.value,
        intent.instrument.model_dump_json(), intent.instrument.exchange.value, intent.side.value,
        intent.trade_type.value, intent.product, intent.order_type.value, intent.quantity,
        intent.price, intent.trigger_price, sent.order_type.value, sent.price,
        sent.trigger_price, sent.protected, intent.correlation_id, intent.causation_id,
        intent.actor, intent.place_attempts, intent.amo,
    )  # fmt: skip


async def record_intents(db: Executor, intents: Sequence[Intent]) -> list[tuple[Intent, bool]]:
    """Writes each intent unless one exists for its order, in one statement.

    Answers, in the given order, the stored intent and whether this call created it.
    """
    columns = list(zip(*(_values(i) for i in intents), strict=True))
    arrays = ", ".join(f"${n}::{t}[]" for n, t in enumerate(_TYPES, start=1))
    names = ", ".join(_COLUMNS)
    rows = await db.fetch(
        f"""INSERT INTO order_intents ({names})
            SELECT {names} FROM unnest({arrays}) AS u({names})
            ON CONFLICT (order_id) DO NOTHING RETURNING *""",  # noqa: S608
        *[list(c) for c in columns],
    )
    created = {r["order_id"]: _intent(r) for r in rows}
    missing = [i.order_id for i in intents if i.order_id not in created]
    existing = await get_intents(db, missing) if missing else {}
    return [
        (created[i.order_id], True) if i.order_id in created else (existing[i.order_id], False)
        for i in intents
    ]


async def get_intents(db: Executor, order_ids: Sequence[str]) -> dict[str, Intent]:
    rows = await db.fetch(
        "SELECT * FROM order_intents WHERE order_id = ANY($1::text[])", list(order_ids)
    )
    return {r["order_id"]: _intent(r) for r in rows}


async def get_intent(db: Executor, order_id: str) -> Intent | None:
    row = await db.fetchrow("SELECT * FROM order_intents WHERE order_id = $1", order_id)
    return _intent(row) if row else None


async def move(db: Executor, intent: Intent, state: IntentState, **fields: Any) -> Intent:
    """Moves the intent to `state` (checked against the transition table) and sets `fields`
    (`sent`: the terms sent to Motilal, four columns)."""
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
        "sent",
    }
    unknown = set(fields) - allowed
    if unknown:
        raise ValueError(f"cannot set {sorted(unknown)} on an intent")
    if (sent := fields.pop("sent", None)) is not None:  # one value, four columns
        fields |= {
            "sent_order_type": sent.order_type,
            "sent_price": sent.price,
            "sent_trigger_price": sent.trigger_price,
            "protected": sent.protected,
        }
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


async def place_many(db: Executor, placed: Sequence[tuple[Intent, str]], day: date) -> None:
    """Moves each intent to PLACED with its broker order id of trading date `day`."""
    for intent, _ in placed:
        check_transition(intent.order_id, intent.state, IntentState.PLACED)
    await db.execute(
        """UPDATE order_intents i SET state = 'PLACED', broker_order_id = u.uid,
                  trading_date = $3, updated_at = now()
           FROM unnest($1::text[], $2::text[]) AS u(order_id, uid)
           WHERE i.order_id = u.order_id""",
        [i.order_id for i, _ in placed],
        [uid for _, uid in placed],
        day,
    )


@dataclass(frozen=True)
class Settlement:
    """An intent's end: DONE with the event that reported it (none after a last fill)."""

    intent: Intent
    terminal_event: str
    broker_status: str
    broker_order_id: str | None = None
    last_error: str | None = None


async def settle_many(db: Executor, settled: Sequence[Settlement], day: date) -> None:
    """Moves each intent to DONE, in one statement (a broker order id learnt here is `day`'s)."""
    for s in settled:
        check_transition(s.intent.order_id, s.intent.state, IntentState.DONE)
    await db.execute(
        """UPDATE order_intents i SET state = 'DONE', terminal_event = u.event,
                  broker_status = u.status, last_error = COALESCE(u.error, i.last_error),
                  broker_order_id = COALESCE(u.uid, i.broker_order_id),
                  trading_date = COALESCE(i.trading_date, CASE WHEN u.uid IS NOT NULL
                                                               THEN $6::date END),
                  updated_at = now()
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[])
                AS u(order_id, event, status, uid, error)
           WHERE i.order_id = u.order_id""",
        [s.intent.order_id for s in settled],
        [s.terminal_event for s in settled],
        [s.broker_status for s in settled],
        [s.broker_order_id for s in settled],
        [s.last_error[:500] if s.last_error else None for s in settled],
        day,
    )


async def followed_intents(db: Executor) -> list[tuple[Intent, frozenset[str]]]:
    """Every intent the tracker follows (PLACED, UNKNOWN), with its trade numbers reported."""
    rows = await db.fetch(
        """SELECT i.*, COALESCE(array_agg(e.trade_no) FILTER (WHERE e.trade_no IS NOT NULL),
                                '{}') AS reported
           FROM order_intents i LEFT JOIN emitted_trades e ON e.order_id = i.order_id
           WHERE i.state IN ('PLACED', 'UNKNOWN')
           GROUP BY i.order_id ORDER BY i.created_at"""
    )
    return [(_intent(r), frozenset(r["reported"])) for r in rows]


async def intents_by_broker_ids(
    db: Executor, client_id: str, day: date, broker_order_ids: Sequence[str]
) -> list[tuple[Intent, frozenset[str]]]:
    """The client's intents with these broker order ids of trading date `day` (ids restart
    every day: yesterday's order with today's id is another order), with their trade numbers."""
    rows = await db.fetch(
        """SELECT i.*, COALESCE(array_agg(e.trade_no) FILTER (WHERE e.trade_no IS NOT NULL),
                                '{}') AS reported
           FROM order_intents i LEFT JOIN emitted_trades e ON e.order_id = i.order_id
           WHERE i.client_id = $1 AND i.trading_date = $2
             AND i.broker_order_id = ANY($3::text[])
           GROUP BY i.order_id""",
        client_id,
        day,
        list(broker_order_ids),
    )
    return [(_intent(r), frozenset(r["reported"])) for r in rows]


# ---- the fill outbox (emitted_trades) ---------------------------------------------------------


@dataclass(frozen=True)
class FillKey:
    """A fill's identity: one trade number of one order in one trading session."""

    order_id: str
    trading_date: date
    trade_no: str


@dataclass(frozen=True)
class FillClaim:
    client_id: str
    exchange: str
    trading_date: date
    trade_no: str
    order_id: str
    quantity: int
    filled_quantity: int
    """the order's filled quantity once this fill is counted"""
    complete: bool
    event: str
    """the fill event as JSON, published from here if the process dies before it is sent"""

    @property
    def key(self) -> FillKey:
        return FillKey(self.order_id, self.trading_date, self.trade_no)


async def claim_fills(pool: asyncpg.Pool, claims: Sequence[FillClaim]) -> list[bool]:
    """Claims the trade numbers with their events and counts the fills on the intents.

    One transaction, committed before anything is published. Answers, per claim, whether
    it was new (False: that trade of that order and session was reported before, by us or
    another replica). Yesterday's trade number 1 is not today's.
    """
    async with pool.acquire() as conn, conn.transaction():
        rows = await conn.fetch(
            """INSERT INTO emitted_trades
                   (client_id, exchange, trading_date, trade_no, order_id, quantity, event)
               SELECT * FROM unnest($1::text[], $2::text[], $3::date[], $4::text[], $5::text[],
                                    $6::int[], $7::jsonb[])
               ON CONFLICT DO NOTHING RETURNING order_id, trading_date, trade_no""",
            [c.client_id for c in claims],
            [c.exchange for c in claims],
            [c.trading_date for c in claims],
            [c.trade_no for c in claims],
            [c.order_id for c in claims],
            [c.quantity for c in claims],
            [c.event for c in claims],
        )
        new = {FillKey(r["order_id"], r["trading_date"], r["trade_no"]) for r in rows}
        counted = [c for c in claims if c.key in new]
        if counted:
            await conn.execute(
                """UPDATE order_intents i
                   SET filled_quantity = GREATEST(i.filled_quantity, u.filled),
                       terminal_event = CASE WHEN u.complete THEN 'order.filled'
                                             ELSE i.terminal_event END,
                       updated_at = now()
                   FROM (SELECT order_id, max(filled) AS filled, bool_or(complete) AS complete
                         FROM unnest($1::text[], $2::int[], $3::bool[])
                              AS c(order_id, filled, complete)
                         GROUP BY order_id) AS u
                   WHERE i.order_id = u.order_id""",
                [c.order_id for c in counted],
                [c.filled_quantity for c in counted],
                [c.complete for c in counted],
            )
    return [c.key in new for c in claims]


async def mark_published(db: Executor, keys: Sequence[FillKey]) -> None:
    await db.execute(
        """UPDATE emitted_trades e SET published_at = now()
           FROM unnest($1::text[], $2::date[], $3::text[]) AS k(order_id, trading_date, trade_no)
           WHERE e.order_id = k.order_id AND e.trading_date = k.trading_date
             AND e.trade_no = k.trade_no""",
        [k.order_id for k in keys],
        [k.trading_date for k in keys],
        [k.trade_no for k in keys],
    )


async def unpublished_fills(db: Executor) -> list[tuple[FillKey, str]]:
    """The claims a crash left unpublished with their event JSON, oldest first."""
    rows = await db.fetch(
        """SELECT order_id, trading_date, trade_no, event::text AS event FROM emitted_trades
           WHERE published_at IS NULL ORDER BY emitted_at"""
    )
    return [(FillKey(r["order_id"], r["trading_date"], r["trade_no"]), r["event"]) for r in rows]
