"""The router's SQL for its copies of the accounts: clients, sessions and margins.

Each upsert is one statement for a whole Kafka batch and returns the keys it changed
(an older message than the stored one changes nothing)."""

import json
from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

import asyncpg
from common.contracts.accounts import ClientUpserted, MarginSnapshot, RiskLimits, SessionChanged
from common.db import Executor
from common.enums import Exchange, SessionState, TradeType

from order_router.risk import BrokerSession, ClientState


async def upsert_clients(conn: Executor, clients: Sequence[ClientUpserted]) -> list[str]:
    rows = await conn.fetch(
        """INSERT INTO clients (client_id, active, exchanges, trade_types, max_order_quantity,
               max_order_value, max_open_positions, updated_at)
           SELECT u.client_id, u.active,
                  ARRAY(SELECT jsonb_array_elements_text(u.exchanges::jsonb)),
                  ARRAY(SELECT jsonb_array_elements_text(u.trade_types::jsonb)),
                  u.max_order_quantity, u.max_order_value, u.max_open_positions, u.updated_at
           FROM unnest($1::text[], $2::boolean[], $3::text[], $4::text[], $5::integer[],
                       $6::numeric[], $7::integer[], $8::timestamptz[])
               AS u(client_id, active, exchanges, trade_types, max_order_quantity,
                    max_order_value, max_open_positions, updated_at)
           ON CONFLICT (client_id) DO UPDATE SET active = EXCLUDED.active,
               exchanges = EXCLUDED.exchanges, trade_types = EXCLUDED.trade_types,
               max_order_quantity = EXCLUDED.max_order_quantity,
               max_order_value = EXCLUDED.max_order_value,
               max_open_positions = EXCLUDED.max_open_positions,
               updated_at = EXCLUDED.updated_at
           WHERE clients.updated_at <= EXCLUDED.updated_at
           RETURNING client_id""",
        [c.client_id for c in clients],
        [c.active for c in clients],
        [json.dumps([e.value for e in c.exchanges]) for c in clients],
        [json.dumps([t.value for t in c.trade_types]) for c in clients],
        [c.limits.max_order_quantity for c in clients],
        [c.limits.max_order_value for c in clients],
        [c.limits.max_open_positions for c in clients],
        [c.occurred_at for c in clients],
    )
    return [r["client_id"] for r in rows]


async def upsert_sessions(conn: Executor, sessions: Sequence[SessionChanged]) -> list[str]:
    rows = await conn.fetch(
        """INSERT INTO sessions (client_id, state, error_code, reason, updated_at)
           SELECT * FROM unnest($1::text[], $2::text[], $3::text[], $4::text[],
                                $5::timestamptz[])
           ON CONFLICT (client_id) DO UPDATE SET state = EXCLUDED.state,
               error_code = EXCLUDED.error_code, reason = EXCLUDED.reason,
               updated_at = EXCLUDED.updated_at
           WHERE sessions.updated_at <= EXCLUDED.updated_at
           RETURNING client_id""",
        [s.client_id for s in sessions],
        [s.state for s in sessions],
        [s.error_code for s in sessions],
        [s.reason for s in sessions],
        [s.occurred_at for s in sessions],
    )
    return [r["client_id"] for r in rows]


async def upsert_margins(conn: Executor, snapshots: Sequence[MarginSnapshot]) -> list[str]:
    """One snapshot per (client, report) at most in `snapshots`."""
    rows = await conn.fetch(
        """INSERT INTO margins (client_id, report, rows, taken_at)
           SELECT u.client_id, u.report, u.rows::jsonb, u.taken_at
           FROM unnest($1::text[], $2::text[], $3::text[], $4::timestamptz[])
               AS u(client_id, report, rows, taken_at)
           ON CONFLICT (client_id, report) DO UPDATE SET rows = EXCLUDED.rows,
               taken_at = EXCLUDED.taken_at
           WHERE margins.taken_at <= EXCLUDED.taken_at
           RETURNING client_id""",
        [m.client_id for m in snapshots],
        [m.report for m in snapshots],
        [json.dumps([[r.srno, str(r.amount)] for r in m.rows]) for m in snapshots],
        [m.taken_at for m in snapshots],
    )
    return sorted({r["client_id"] for r in rows})


@dataclass(frozen=True)
class Dated:
    """A fact with the time that orders it: a newer one replaces an older one, never back."""

    at: datetime
    value: Any


@dataclass(frozen=True)
class StoredAccounts:
    """Rows of the account copies, each with its ordering time (a change: only what changed)."""

    clients: dict[str, Dated] = field(default_factory=dict)  # client -> ClientState
    sessions: dict[str, Dated] = field(default_factory=dict)  # client -> BrokerSession
    # (client, report) -> {srno: amount}
    margins: dict[tuple[str, str], Dated] = field(default_factory=dict)


async def load_accounts(conn: Executor, client_ids: Sequence[str] | None) -> StoredAccounts:
    """The account copies of `client_ids` (None: every client), in three queries."""
    ids = None if client_ids is None else list(client_ids)
    where = "WHERE $1::text[] IS NULL OR client_id = ANY($1::text[])"
    client_rows = await conn.fetch(f"SELECT * FROM clients {where}", ids)  # noqa: S608
    session_rows = await conn.fetch(f"SELECT * FROM sessions {where}", ids)  # noqa: S608
    return StoredAccounts(
        clients={r["client_id"]: Dated(r["updated_at"], client_state(r)) for r in client_rows},
        sessions={
            r["client_id"]: Dated(
                r["updated_at"],
                BrokerSession(SessionState(r["state"]), r["reason"], r["error_code"]),
            )
            for r in session_rows
        },
        margins=(await load_margins(conn, client_ids)).margins,
    )


async def load_margins(conn: Executor, client_ids: Sequence[str] | None) -> StoredAccounts:
    """The margin reports of `client_ids` (None: every client), in one query."""
    rows = await conn.fetch(
        """SELECT client_id, report, rows, taken_at FROM margins
           WHERE $1::text[] IS NULL OR client_id = ANY($1::text[])""",
        None if client_ids is None else list(client_ids),
    )
    return StoredAccounts(
        margins={
            (r["client_id"], r["report"]): Dated(
                r["taken_at"], {int(s): Decimal(a) for s, a in json.loads(r["rows"])}
            )
            for r in rows
        }
    )


def client_state(r: asyncpg.Record) -> ClientState:
    return ClientState(
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


async def notify(conn: Executor, channel: str, payloads: Sequence[str]) -> None:
    """NOTIFY `channel` once per payload (each under PostgreSQL's 8000-byte limit)."""
    if payloads:
        await conn.execute("SELECT pg_notify($1, p) FROM unnest($2::text[]) AS p", channel,
                           list(payloads))  # fmt: skip
