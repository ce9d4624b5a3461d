"""The portfolio's SQL for what the broker reports of accounts (asyncpg) and nothing else:
margin snapshots, and our positions compared with the broker's (drift)."""

import json
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import datetime
from typing import Any

import asyncpg
from common.contracts.accounts import MarginRow
from common.db import Executor, from_row
from common.enums import Exchange, TradeType

from portfolio.drift import DriftKey, DriftRecord, HeldQuantity
from portfolio.margins import Funds

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
    return {r["client_id"]: from_row(StoredMargins, r, funds=from_row(Funds, r)) for r in rows}


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
    """When each client was last compared and its stored drift, the clients locked until the
    transaction ends.

    Locked by an advisory lock per client, not only by its reconciliations row: a client's
    first snapshot has no row to lock yet, and during a rebalance two replicas can take the
    same snapshots at once. Unlocked, the one that committed second wrote its older figures
    over the other's (a drift counted twice came back as once, the time last compared went
    backwards)."""
    await conn.execute(
        """SELECT pg_advisory_xact_lock(hashtextextended('portfolio.drift:' || c, 0))
           FROM (SELECT DISTINCT c FROM unnest($1::text[]) AS c ORDER BY c) AS sorted""",
        list(client_ids),
    )  # in one order everywhere: two batches sharing clients cannot deadlock
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
