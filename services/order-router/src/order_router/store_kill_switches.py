"""The router's SQL for the kill switches (one row per scope: everyone or a client)."""

from collections.abc import Sequence

import asyncpg
from common.db import Executor

GLOBAL_SCOPE = "*"


async def set_kill_switch(
    conn: Executor, scope: str, engaged: bool, reason: str, actor: str
) -> asyncpg.Record:
    row = await conn.fetchrow(
        """INSERT INTO kill_switches (scope, engaged, reason, actor, updated_at)
           VALUES ($1, $2, $3, $4, clock_timestamp())
           ON CONFLICT (scope) DO UPDATE SET engaged = EXCLUDED.engaged,
               reason = EXCLUDED.reason, actor = EXCLUDED.actor,
               updated_at = clock_timestamp()
           RETURNING *""",
        scope,
        engaged,
        reason,
        actor,
    )
    assert row is not None
    return row


async def kill_switches(
    conn: Executor, scopes: Sequence[str] | None = None
) -> list[asyncpg.Record]:
    return list(
        await conn.fetch(
            """SELECT * FROM kill_switches WHERE $1::text[] IS NULL OR scope = ANY($1::text[])
               ORDER BY scope""",
            None if scopes is None else list(scopes),
        )
    )
