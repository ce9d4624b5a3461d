"""SQL of the Idempotency-Key store (and nothing else)."""

import json
from typing import Any

import asyncpg
from common.db import Executor


async def claim(
    pool: asyncpg.Pool, username: str, key: str, request_hash: str, stale_seconds: float
) -> bool:
    """Claim the key for this request; False when another request holds it.

    A 'pending' claim older than `stale_seconds` (its request died while validating, so
    nothing left the gateway) is taken over by a retry of the same request.
    """
    row = await pool.fetchrow(
        """INSERT INTO idempotency_keys (username, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT (username, key) DO UPDATE SET claimed_at = now()
           WHERE idempotency_keys.state = 'pending'
             AND idempotency_keys.request_hash = EXCLUDED.request_hash
             AND idempotency_keys.claimed_at < now() - make_interval(secs => $4)
           RETURNING key""",
        username,
        key,
        request_hash,
        stale_seconds,
    )
    return row is not None


async def find(pool: asyncpg.Pool, username: str, key: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT * FROM idempotency_keys WHERE username = $1 AND key = $2", username, key
    )


async def prepare(
    pool: asyncpg.Pool,
    username: str,
    key: str,
    *,
    status_code: int,
    response: Any,
    messages: list[Any],
    audit: list[Any],
) -> None:
    """Fix what the request will publish and answer, before it publishes anything."""
    await pool.execute(
        """UPDATE idempotency_keys SET state = 'prepared', status_code = $3, response = $4,
                  messages = $5, audit = $6
           WHERE username = $1 AND key = $2 AND state = 'pending'""",
        username,
        key,
        status_code,
        json.dumps(response),
        json.dumps(messages),
        json.dumps(audit),
    )


async def complete(db: Executor, username: str, key: str) -> bool:
    """Mark a prepared key done; False when another request completed it first."""
    row = await db.fetchrow(
        """UPDATE idempotency_keys SET state = 'done'
           WHERE username = $1 AND key = $2 AND state = 'prepared' RETURNING key""",
        username,
        key,
    )
    return row is not None


async def release(pool: asyncpg.Pool, username: str, key: str) -> None:
    """Forget a claim whose request published nothing (only a 'pending' one)."""
    await pool.execute(
        "DELETE FROM idempotency_keys WHERE username = $1 AND key = $2 AND state = 'pending'",
        username,
        key,
    )


async def forget_older_than(pool: asyncpg.Pool, hours: int) -> int:
    result: str = await pool.execute(
        "DELETE FROM idempotency_keys WHERE created_at < now() - make_interval(hours => $1)",
        hours,
    )
    return int(result.split()[-1])
