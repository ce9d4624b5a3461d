"""SQL for the append-only audit log (and nothing else)."""

import json
from datetime import datetime
from typing import Any

import asyncpg
from common.db import Executor


async def append(
    db: Executor,
    *,
    actor: str,
    actor_role: str | None,
    action: str,
    target: str | None,
    correlation_id: str | None,
    details: dict[str, Any],
) -> None:
    await db.execute(
        """INSERT INTO audit_log (actor, actor_role, action, target, correlation_id, details)
           VALUES ($1, $2, $3, $4, $5, $6::jsonb)""",
        actor,
        actor_role,
        action,
        target,
        correlation_id,
        json.dumps(details, default=str),
    )


async def entries(
    db: Executor,
    *,
    target: str | None = None,
    actor: str | None = None,
    action: str | None = None,
    since: datetime | None = None,
    limit: int = 100,
) -> list[dict[str, Any]]:
    rows = await db.fetch(
        """SELECT id, occurred_at, actor, actor_role, action, target, correlation_id, details
           FROM audit_log
           WHERE ($1::text IS NULL OR target = $1)
             AND ($2::text IS NULL OR actor = $2)
             AND ($3::text IS NULL OR action = $3)
             AND ($4::timestamptz IS NULL OR occurred_at >= $4)
           ORDER BY id DESC LIMIT $5""",
        target,
        actor,
        action,
        since,
        limit,
    )
    return [{**dict(r), "details": json.loads(r["details"])} for r in rows]


_BROKEN = """
WITH walk AS (
    SELECT a.id, a.chain_seq, a.prev_hash, a.row_hash,
           lag(a.chain_seq) OVER w AS before_seq,
           lag(a.row_hash) OVER w AS before_hash,
           audit_row_hash(a.prev_hash, a) AS recomputed
    FROM audit_log a WINDOW w AS (ORDER BY a.chain_seq)
)
SELECT id, chain_seq,
       CASE WHEN chain_seq <> coalesce(before_seq, 0) + 1 THEN 'missing'
            WHEN prev_hash <> coalesce(before_hash, decode(repeat('00', 32), 'hex'))
                THEN 'previous_hash'
            ELSE 'altered' END AS reason
FROM walk
WHERE chain_seq <> coalesce(before_seq, 0) + 1
   OR prev_hash <> coalesce(before_hash, decode(repeat('00', 32), 'hex'))
   OR row_hash <> recomputed
ORDER BY chain_seq LIMIT 1
"""


async def verify_chain(pool: asyncpg.Pool) -> dict[str, Any]:
    """Walk the whole chain in one snapshot; where it first breaks, if it does.

    `reason`: 'missing' (a row is gone: the sequence skips, or the head is past the last
    row), 'previous_hash' (a row does not point at the one before it: inserted or
    reordered), 'altered' (a row's content no longer matches its hash, or the head's)."""
    async with pool.acquire() as conn, conn.transaction(isolation="repeatable_read", readonly=True):
        broken = await conn.fetchrow(_BROKEN)
        head = await conn.fetchrow("SELECT seq, hash FROM audit_chain_head")
        last = await conn.fetchrow(
            "SELECT id, chain_seq, row_hash FROM audit_log ORDER BY chain_seq DESC LIMIT 1"
        )
        rows = await conn.fetchval("SELECT count(*) FROM audit_log")
    at: dict[str, Any] | None = dict(broken) if broken else None
    if at is None and head["seq"] != (last["chain_seq"] if last else 0):
        at = {"id": None, "chain_seq": head["seq"], "reason": "missing"}  # the tail is gone
    elif at is None and last is not None and head["hash"] != last["row_hash"]:
        at = {"id": last["id"], "chain_seq": last["chain_seq"], "reason": "altered"}
    return {
        "intact": at is None,
        "rows": rows,
        "head": {"seq": head["seq"], "hash": head["hash"].hex()},
        "broken_at": at,
    }
