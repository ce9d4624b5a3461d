"""SQL for Motilal dealers (and nothing else). A dealer's broker session is reported like a
client's, under `dealer_key(dealer_id)` as its client id (common.contracts.accounts)."""

from collections.abc import Sequence
from dataclasses import dataclass

import asyncpg
from common.contracts.accounts import dealer_key
from common.db import Executor, from_row

from gateway.clients.store_clients import SessionRecord


@dataclass(frozen=True)
class DealerRow:
    dealer_id: str
    motilal_client_id: str
    name: str
    active: bool
    sealed_credentials: str
    credential_fields: Sequence[str]


@dataclass(frozen=True)
class DealerRecord:
    row: DealerRow
    clients: tuple[str, ...]
    session: SessionRecord | None


async def insert_dealer(conn: asyncpg.Connection, dealer: DealerRow) -> bool:
    """False when the dealer id or its Motilal login id is already registered."""
    inserted = await conn.fetchval(
        """INSERT INTO dealers (dealer_id, motilal_client_id, name, active, sealed_credentials,
                                credential_fields)
           VALUES ($1, $2, $3, $4, $5, $6) ON CONFLICT DO NOTHING RETURNING dealer_id""",
        dealer.dealer_id,
        dealer.motilal_client_id,
        dealer.name,
        dealer.active,
        dealer.sealed_credentials,
        list(dealer.credential_fields),
    )
    return inserted is not None


async def dealer_exists(db: Executor, dealer_id: str) -> bool:
    return bool(await db.fetchval("SELECT 1 FROM dealers WHERE dealer_id = $1", dealer_id))


def _row(row: asyncpg.Record) -> DealerRow:
    return from_row(DealerRow, row)


async def all_dealers(db: Executor) -> list[DealerRow]:
    return [_row(r) for r in await db.fetch("SELECT * FROM dealers ORDER BY dealer_id")]


async def dealer_records(db: Executor, dealer_id: str | None = None) -> list[DealerRecord]:
    """Dealers (one, or all) with the clients they reach and their own session."""
    rows = await db.fetch(
        """SELECT d.*, COALESCE(array_agg(c.client_id ORDER BY c.client_id)
                                FILTER (WHERE c.client_id IS NOT NULL), '{}') AS clients,
                  s.state AS s_state, s.reason AS s_reason, s.error_code AS s_error_code,
                  s.expires_at AS s_expires_at, s.updated_at AS s_updated_at
           FROM dealers d
           LEFT JOIN clients c ON c.dealer_id = d.dealer_id
           LEFT JOIN client_sessions s ON s.client_id = $2 || d.dealer_id
           WHERE $1::text IS NULL OR d.dealer_id = $1
           GROUP BY d.dealer_id, s.client_id ORDER BY d.dealer_id""",
        dealer_id,
        dealer_key(""),
    )
    return [DealerRecord(_row(r), tuple(r["clients"]), _session(r)) for r in rows]


def _session(r: asyncpg.Record) -> SessionRecord | None:
    if r["s_state"] is None:
        return None
    return SessionRecord(
        r["s_state"], r["s_reason"], r["s_error_code"], r["s_expires_at"], r["s_updated_at"]
    )
