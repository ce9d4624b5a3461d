"""SQL of risk automation: scope limits, the day's triggers and the blocks they leave."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date, time
from decimal import Decimal

import asyncpg
from common.db import Executor

_LIMIT_COLUMNS = (
    "scope, members, mtm_stop_loss, mtm_target, mtm_trailing_stop, square_off_time, "
    "updated_by, updated_at"
)


@dataclass(frozen=True)
class BlockRow:
    client_id: str
    rule: str
    trading_date: date
    exchange: str
    trade_type: str | None
    scope: str
    reason: str


async def put_limits(
    conn: Executor,
    scope: str,
    members: Sequence[str],
    stop_loss: Decimal | None,
    target: Decimal | None,
    trailing_stop: Decimal | None,
    square_off_time: time | None,
    actor: str,
) -> asyncpg.Record:
    row: asyncpg.Record = await conn.fetchrow(
        f"""INSERT INTO scope_limits (scope, members, mtm_stop_loss, mtm_target,
                mtm_trailing_stop, square_off_time, updated_by)
            VALUES ($1, $2, $3, $4, $5, $6, $7)
            ON CONFLICT (scope) DO UPDATE SET members = EXCLUDED.members,
                mtm_stop_loss = EXCLUDED.mtm_stop_loss, mtm_target = EXCLUDED.mtm_target,
                mtm_trailing_stop = EXCLUDED.mtm_trailing_stop,
                square_off_time = EXCLUDED.square_off_time,
                updated_by = EXCLUDED.updated_by, updated_at = now()
            RETURNING {_LIMIT_COLUMNS}""",  # noqa: S608
        scope,
        list(members),
        stop_loss,
        target,
        trailing_stop,
        square_off_time,
        actor,
    )
    return row


async def get_limits(conn: Executor, scope: str) -> asyncpg.Record | None:
    row: asyncpg.Record | None = await conn.fetchrow(
        f"SELECT {_LIMIT_COLUMNS} FROM scope_limits WHERE scope = $1",  # noqa: S608
        scope,
    )
    return row


async def all_limits(conn: Executor) -> list[asyncpg.Record]:
    rows: list[asyncpg.Record] = await conn.fetch(
        f"SELECT {_LIMIT_COLUMNS} FROM scope_limits"  # noqa: S608
    )
    return rows


async def fire(conn: Executor, scope: str, rule: str, day: date, reason: str) -> bool:
    """Record that `rule` fired for `scope` on `day`; False when it already had."""
    fired = await conn.fetchval(
        """INSERT INTO risk_triggers (scope, rule, trading_date, reason)
           VALUES ($1, $2, $3, $4) ON CONFLICT DO NOTHING RETURNING true""",
        scope,
        rule,
        day,
        reason,
    )
    return bool(fired)


async def fired_on(conn: Executor, day: date, rule: str) -> set[str]:
    """The scopes `rule` already fired for on `day`."""
    rows = await conn.fetch(
        "SELECT scope FROM risk_triggers WHERE trading_date = $1 AND rule = $2", day, rule
    )
    return {r["scope"] for r in rows}


async def add_blocks(conn: Executor, blocks: Sequence[BlockRow]) -> None:
    """Add blocks (one that exists, lifted or not, is left as it is: a lift holds)."""
    await conn.executemany(
        """INSERT INTO risk_blocks (client_id, rule, trading_date, exchange, trade_type,
               scope, reason) VALUES ($1, $2, $3, $4, $5, $6, $7) ON CONFLICT DO NOTHING""",
        [
            (b.client_id, b.rule, b.trading_date, b.exchange, b.trade_type, b.scope, b.reason)
            for b in blocks
        ],
    )


async def blocks_of(conn: Executor, client_ids: Sequence[str], day: date) -> list[asyncpg.Record]:
    """The clients' blocks of `day`, lifted ones too (with who lifted them)."""
    rows: list[asyncpg.Record] = await conn.fetch(
        """SELECT client_id, rule, trading_date, exchange, trade_type, scope, reason,
                  created_at, lifted_at, lifted_by
           FROM risk_blocks WHERE trading_date = $2 AND client_id = ANY($1::text[])
           ORDER BY client_id, created_at""",
        list(client_ids),
        day,
    )
    return rows


async def lift(
    conn: Executor, client_ids: Sequence[str], day: date, rule: str | None, actor: str
) -> list[str]:
    """Lift the clients' active blocks of `day` (of `rule`, or all); the clients lifted."""
    rows = await conn.fetch(
        """UPDATE risk_blocks SET lifted_at = now(), lifted_by = $4
           WHERE client_id = ANY($1::text[]) AND trading_date = $2
             AND ($3::text IS NULL OR rule = $3) AND lifted_at IS NULL
           RETURNING client_id""",
        list(client_ids),
        day,
        rule,
        actor,
    )
    return sorted({r["client_id"] for r in rows})
