"""SQL for the append-only audit log (and nothing else)."""

import json
from datetime import datetime
from typing import Any

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
