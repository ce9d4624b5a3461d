"""SQL for the adapter's copy of the client registry (clients and dealers) and its session
states (nothing else). A dealer is read as an Account named `dealer_key(dealer_id)`, so it
logs in, shares its token and records its state exactly as a client does."""

import hashlib
from collections.abc import Collection
from dataclasses import dataclass
from datetime import datetime

import asyncpg
from common.contracts.accounts import (
    ClientNetwork,
    ClientUpserted,
    DealerUpserted,
    dealer_key,
    dealer_of_key,
)
from common.db import Executor, from_row

from broker_adapter.egress import pool_of


def credentials_hash(sealed: str | None) -> str | None:
    """Fingerprint of a sealed box: changes whenever the credentials are sealed again."""
    return None if sealed is None else hashlib.sha256(sealed.encode()).hexdigest()[:32]


@dataclass(frozen=True)
class Account:
    client_id: str
    motilal_client_id: str
    name: str
    active: bool
    sealed_credentials: str | None
    credentials_hash: str | None
    dealer_id: str | None = None
    """the dealer whose session reaches this client; None: it logs in itself"""
    network_identity: ClientNetwork | None = None
    """its own public/local IP and MAC for Motilal calls; None: the deployment's"""


@dataclass(frozen=True)
class SessionRow:
    client_id: str
    state: str
    reason: str | None
    error_code: str | None
    credentials_hash: str | None
    expires_at: datetime | None
    updated_at: datetime


def _network(row: asyncpg.Record) -> ClientNetwork | None:
    raw = row["network_identity"]
    return None if raw is None else ClientNetwork.model_validate_json(raw)


def _account(row: asyncpg.Record) -> Account:
    return from_row(Account, row, network_identity=_network(row))


def _dealer_account(row: asyncpg.Record) -> Account:
    # the row's dealer_id is the dealer's own id; an Account's names the dealer reaching it
    return from_row(Account, row, client_id=dealer_key(row["dealer_id"]), dealer_id=None)


async def upsert_account(db: Executor, message: ClientUpserted) -> tuple[str | None, str | None]:
    """Apply a registry message unless a newer one is already applied.

    Returns (credentials hash before, after); (None, None) when the message was stale. A
    client reached through a dealer has the dealer as its credentials: naming another dealer
    changes its hash as new credentials would, and so does a new network identity (its
    session was opened from the old address: it logs in again from the new one).
    """
    network = message.network_identity
    source = (
        message.sealed_credentials if message.dealer_id is None else dealer_key(message.dealer_id)
    )
    if network is not None and source is not None:
        source += "|" + network.model_dump_json()
    new_hash = credentials_hash(source)
    row = await db.fetchrow(
        """WITH before AS (SELECT credentials_hash FROM accounts WHERE client_id = $1)
           INSERT INTO accounts (client_id, motilal_client_id, name, active, exchanges,
                                 trade_types, sealed_credentials, credentials_hash, event_id,
                                 occurred_at, dealer_id, network_identity)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12::jsonb)
           ON CONFLICT (client_id) DO UPDATE SET
               motilal_client_id = EXCLUDED.motilal_client_id, name = EXCLUDED.name,
               active = EXCLUDED.active, exchanges = EXCLUDED.exchanges,
               trade_types = EXCLUDED.trade_types,
               sealed_credentials = EXCLUDED.sealed_credentials,
               credentials_hash = EXCLUDED.credentials_hash, event_id = EXCLUDED.event_id,
               occurred_at = EXCLUDED.occurred_at, dealer_id = EXCLUDED.dealer_id,
               network_identity = EXCLUDED.network_identity, received_at = now()
           WHERE accounts.occurred_at <= EXCLUDED.occurred_at
           RETURNING (SELECT credentials_hash FROM before) AS before_hash""",
        message.client_id,
        message.motilal_client_id,
        message.name,
        message.active,
        [e.value for e in message.exchanges],
        [t.value for t in message.trade_types],
        message.sealed_credentials,
        new_hash,
        message.event_id,
        message.occurred_at,
        message.dealer_id,
        None if network is None else network.model_dump_json(),
    )
    if row is None:
        return None, None
    return row["before_hash"], new_hash


async def upsert_dealer(db: Executor, message: DealerUpserted) -> tuple[str | None, str | None]:
    """As upsert_account, for a dealer: (credentials hash before, after); (None, None) stale."""
    new_hash = credentials_hash(message.sealed_credentials)
    row = await db.fetchrow(
        """WITH before AS (SELECT credentials_hash FROM dealers WHERE dealer_id = $1)
           INSERT INTO dealers (dealer_id, motilal_client_id, name, active, sealed_credentials,
                                credentials_hash, event_id, occurred_at)
           VALUES ($1, $2, $3, $4, $5, $6, $7, $8)
           ON CONFLICT (dealer_id) DO UPDATE SET
               motilal_client_id = EXCLUDED.motilal_client_id, name = EXCLUDED.name,
               active = EXCLUDED.active, sealed_credentials = EXCLUDED.sealed_credentials,
               credentials_hash = EXCLUDED.credentials_hash, event_id = EXCLUDED.event_id,
               occurred_at = EXCLUDED.occurred_at, received_at = now()
           WHERE dealers.occurred_at <= EXCLUDED.occurred_at
           RETURNING (SELECT credentials_hash FROM before) AS before_hash""",
        message.dealer_id,
        message.motilal_client_id,
        message.name,
        message.active,
        message.sealed_credentials,
        new_hash,
        message.event_id,
        message.occurred_at,
    )
    if row is None:
        return None, None
    return row["before_hash"], new_hash


async def get_account(db: Executor, client_id: str) -> Account | None:
    """A client's account, or a dealer's when `client_id` is its dealer_key."""
    dealer = dealer_of_key(client_id)
    if dealer is not None:
        found = await db.fetchrow("SELECT * FROM dealers WHERE dealer_id = $1", dealer)
        return _dealer_account(found) if found else None
    row = await db.fetchrow("SELECT * FROM accounts WHERE client_id = $1", client_id)
    return _account(row) if row else None


async def dealer_clients(db: Executor) -> list[Account]:
    """Every client reached through a dealer (the registry copy)."""
    rows = await db.fetch("SELECT * FROM accounts WHERE dealer_id IS NOT NULL")
    return [_account(r) for r in rows]


async def pools_of(db: Executor, client_ids: Collection[str]) -> dict[str, str]:
    """The egress pool of each of these clients the registry copy knows (egress.pool_of)."""
    rows = await db.fetch(
        """SELECT client_id, dealer_id, network_identity FROM accounts
           WHERE client_id = ANY($1::text[])""",
        list(client_ids),
    )
    return {r["client_id"]: pool_of(_network(r), r["dealer_id"]) for r in rows}


async def clients_of_dealer(db: Executor, dealer_id: str) -> list[Account]:
    rows = await db.fetch(
        "SELECT * FROM accounts WHERE dealer_id = $1 ORDER BY client_id", dealer_id
    )
    return [_account(r) for r in rows]


async def active_accounts(db: Executor) -> list[Account]:
    rows = await db.fetch("SELECT * FROM accounts WHERE active ORDER BY client_id")
    return [_account(r) for r in rows]


async def login_keys(db: Executor) -> list[str]:
    """Who logs in each morning: active clients with their own login, and active dealers
    (under their dealer_key); a dealer's clients ride on the dealer's one login."""
    rows = await db.fetch(
        """SELECT client_id AS key FROM accounts WHERE active AND dealer_id IS NULL
           UNION ALL
           SELECT $1 || dealer_id FROM dealers WHERE active ORDER BY 1""",
        dealer_key(""),
    )
    return [r["key"] for r in rows]


async def sessions_by_state(db: Executor) -> dict[str, int]:
    """Active clients by session state; no row yet, or an ACTIVE one past its expiry, is
    LOGGED_OUT (a login is tried when the client next trades)."""
    rows = await db.fetch(
        """SELECT CASE WHEN s.state IS NULL
                         OR (s.state = 'ACTIVE' AND s.expires_at <= now()) THEN 'LOGGED_OUT'
                       ELSE s.state END AS state,
                  count(*) AS clients
           FROM accounts a LEFT JOIN sessions s USING (client_id)
           WHERE a.active GROUP BY 1"""
    )
    return {r["state"]: r["clients"] for r in rows}


async def get_session(db: Executor, client_id: str) -> SessionRow | None:
    row = await db.fetchrow("SELECT * FROM sessions WHERE client_id = $1", client_id)
    return from_row(SessionRow, row) if row else None


async def save_session(
    db: Executor,
    client_id: str,
    state: str,
    *,
    reason: str | None = None,
    error_code: str | None = None,
    credentials_hash: str | None = None,
    expires_at: datetime | None = None,
) -> SessionRow:
    row = await db.fetchrow(
        """INSERT INTO sessions (client_id, state, reason, error_code, credentials_hash,
                                 expires_at, updated_at)
           VALUES ($1, $2, $3, $4, $5, $6, now())
           ON CONFLICT (client_id) DO UPDATE SET state = EXCLUDED.state,
               reason = EXCLUDED.reason, error_code = EXCLUDED.error_code,
               credentials_hash = EXCLUDED.credentials_hash,
               expires_at = EXCLUDED.expires_at, updated_at = now()
           RETURNING updated_at""",
        client_id,
        state,
        reason,
        error_code,
        credentials_hash,
        expires_at,
    )
    return SessionRow(
        client_id, state, reason, error_code, credentials_hash, expires_at, row["updated_at"]
    )
