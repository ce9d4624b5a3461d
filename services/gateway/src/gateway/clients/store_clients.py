"""SQL for client accounts and their last reported broker session (and nothing else).

`find_clients(pool, client_ids)` is the read other gateway modules use (orders, trades):
it returns what they need to know about a client, never its sealed credentials.
"""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from typing import Any

import asyncpg
from common.contracts.accounts import ClientNetwork, RiskLimits, SessionChanged
from common.db import Executor, from_row
from common.enums import Exchange, TradeType


@dataclass(frozen=True)
class SessionRecord:
    state: str
    reason: str | None
    error_code: str | None
    expires_at: datetime | None
    updated_at: datetime


@dataclass(frozen=True)
class ClientRecord:
    client_id: str
    name: str
    active: bool
    motilal_client_id: str
    exchanges: tuple[Exchange, ...]
    trade_types: tuple[TradeType, ...]
    limits: RiskLimits
    groups: tuple[str, ...] = ()
    credential_fields: tuple[str, ...] = ()
    credentials_updated_at: datetime | None = None
    created_at: datetime | None = None
    updated_at: datetime | None = None
    version: int = 1
    session: SessionRecord | None = field(default=None, compare=False)
    dealer_id: str | None = None
    network_identity: ClientNetwork | None = None


@dataclass(frozen=True)
class ClientRow:
    """Every column a write needs (the sealed box included); used only by the registry."""

    client_id: str
    motilal_client_id: str
    name: str
    active: bool
    exchanges: Sequence[str]
    trade_types: Sequence[str]
    limits: RiskLimits
    groups: Sequence[str]
    sealed_credentials: str | None
    credential_fields: Sequence[str]
    dealer_id: str | None = None
    """the dealer whose login reaches the client (then no credentials of its own)"""
    network_identity: ClientNetwork | None = None
    """its own public/local IP and MAC for Motilal calls; None: the deployment's"""


_SELECT = """
    SELECT c.*, s.state AS s_state, s.reason AS s_reason, s.error_code AS s_error_code,
           s.expires_at AS s_expires_at, s.updated_at AS s_updated_at
    FROM clients c LEFT JOIN client_sessions s USING (client_id)
"""


def _limits(row: asyncpg.Record) -> RiskLimits:
    return RiskLimits(
        max_order_quantity=row["max_order_quantity"],
        max_order_value=row["max_order_value"],
        max_open_positions=row["max_open_positions"],
    )


def _record(row: asyncpg.Record) -> ClientRecord:
    session = None
    if row["s_state"] is not None:
        session = SessionRecord(
            state=row["s_state"],
            reason=row["s_reason"],
            error_code=row["s_error_code"],
            expires_at=row["s_expires_at"],
            updated_at=row["s_updated_at"],
        )
    return from_row(
        ClientRecord,
        row,
        exchanges=tuple(Exchange(e) for e in row["exchanges"]),
        trade_types=tuple(TradeType(t) for t in row["trade_types"]),
        limits=_limits(row),
        groups=tuple(row["groups"]),
        credential_fields=tuple(row["credential_fields"]),
        session=session,
        network_identity=_network(row),
    )


def _network(row: asyncpg.Record) -> ClientNetwork | None:
    raw = row["network_identity"]
    return None if raw is None else ClientNetwork.model_validate_json(raw)


async def find_clients(
    db: Executor, client_ids: Iterable[str] | None = None
) -> dict[str, ClientRecord]:
    """Clients by id (all of them when `client_ids` is None); unknown ids are simply absent."""
    if client_ids is None:
        rows = await db.fetch(_SELECT + " ORDER BY c.client_id")
    else:
        rows = await db.fetch(
            _SELECT + " WHERE c.client_id = ANY($1::text[]) ORDER BY c.client_id",
            list(client_ids),
        )
    return {r["client_id"]: _record(r) for r in rows}


async def get_client(db: Executor, client_id: str) -> ClientRecord | None:
    row = await db.fetchrow(_SELECT + " WHERE c.client_id = $1", client_id)
    return _record(row) if row else None


async def list_clients(
    db: Executor, *, active: bool | None = None, group: str | None = None
) -> list[ClientRecord]:
    rows = await db.fetch(
        _SELECT
        + """ WHERE ($1::boolean IS NULL OR c.active = $1)
              AND ($2::text IS NULL OR $2 = ANY(c.groups))
            ORDER BY c.client_id""",
        active,
        group,
    )
    return [_record(r) for r in rows]


async def count_clients(db: Executor) -> int:
    return int(await db.fetchval("SELECT count(*) FROM clients") or 0)


async def motilal_id_owner(db: Executor, motilal_client_id: str) -> str | None:
    owner: str | None = await db.fetchval(
        "SELECT client_id FROM clients WHERE motilal_client_id = $1", motilal_client_id
    )
    return owner


async def lock_client(conn: asyncpg.Connection, client_id: str) -> ClientRow | None:
    """The row, locked until the transaction ends (writes to one client are serialized)."""
    row = await conn.fetchrow("SELECT * FROM clients WHERE client_id = $1 FOR UPDATE", client_id)
    return _row(row) if row else None


def _row(row: asyncpg.Record) -> ClientRow:
    return from_row(ClientRow, row, limits=_limits(row), network_identity=_network(row))


def _values(client: ClientRow) -> list[Any]:
    return [
        client.client_id,
        client.motilal_client_id,
        client.name,
        client.active,
        list(client.exchanges),
        list(client.trade_types),
        client.limits.max_order_quantity,
        client.limits.max_order_value,
        client.limits.max_open_positions,
        list(client.groups),
        client.sealed_credentials,
        list(client.credential_fields),
        client.dealer_id,
        None if client.network_identity is None else client.network_identity.model_dump_json(),
    ]


async def insert_client(conn: asyncpg.Connection, client: ClientRow) -> bool:
    """False when the client id or the Motilal client code is already registered."""
    inserted = await conn.fetchval(
        """INSERT INTO clients (client_id, motilal_client_id, name, active, exchanges,
               trade_types, max_order_quantity, max_order_value, max_open_positions, groups,
               sealed_credentials, credential_fields, dealer_id, network_identity,
               credentials_updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14::jsonb,
                   CASE WHEN $11::text IS NULL THEN NULL ELSE now() END)
           ON CONFLICT DO NOTHING RETURNING client_id""",
        *_values(client),
    )
    return inserted is not None


async def update_client(
    conn: asyncpg.Connection, client: ClientRow, *, credentials_changed: bool
) -> None:
    await conn.execute(
        """UPDATE clients SET motilal_client_id = $2, name = $3, active = $4, exchanges = $5,
               trade_types = $6, max_order_quantity = $7, max_order_value = $8,
               max_open_positions = $9, groups = $10, sealed_credentials = $11,
               credential_fields = $12, dealer_id = $13, network_identity = $14::jsonb,
               credentials_updated_at = CASE WHEN $15 THEN now() ELSE credentials_updated_at END,
               version = version + 1, updated_at = now()
           WHERE client_id = $1""",
        *_values(client),
        credentials_changed,
    )


async def all_rows(db: Executor) -> list[ClientRow]:
    return [_row(r) for r in await db.fetch("SELECT * FROM clients ORDER BY client_id")]


async def apply_session(db: Executor, event: SessionChanged) -> None:
    """Keep the newest report per client (a redelivered or older one changes nothing)."""
    await db.execute(
        """INSERT INTO client_sessions
               (client_id, state, reason, error_code, expires_at, updated_at, event_id)
           VALUES ($1, $2, $3, $4, $5, $6, $7)
           ON CONFLICT (client_id) DO UPDATE SET
               state = EXCLUDED.state, reason = EXCLUDED.reason,
               error_code = EXCLUDED.error_code, expires_at = EXCLUDED.expires_at,
               updated_at = EXCLUDED.updated_at, event_id = EXCLUDED.event_id
           WHERE client_sessions.updated_at <= EXCLUDED.updated_at""",
        event.client_id,
        event.state,
        event.reason,
        event.error_code,
        event.expires_at,
        event.occurred_at,
        event.event_id,
    )
