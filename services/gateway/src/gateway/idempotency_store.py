"""SQL of the Idempotency-Key store (and nothing else)."""

import json
from typing import Any

import asyncpg


async def reserve(pool: asyncpg.Pool, username: str, key: str, request_hash: str) -> bool:
    """Claim the key for this request; False when it was claimed before."""
    row = await pool.fetchrow(
        """INSERT INTO idempotency_keys (username, key, request_hash) VALUES ($1, $2, $3)
           ON CONFLICT (username, key) DO NOTHING RETURNING key""",
        username,
        key,
        request_hash,
    )
    return row is not None


async def find(pool: asyncpg.Pool, username: str, key: str) -> asyncpg.Record | None:
    return await pool.fetchrow(
        "SELECT * FROM idempotency_keys WHERE username = $1 AND key = $2", username, key
    )


async def complete(
    pool: asyncpg.Pool, username: str, key: str, status_code: int, response: Any
) -> None:
    await pool.execute(
        """UPDATE idempotency_keys SET state = 'done', status_code = $3, response = $4
           WHERE username = $1 AND key = $2""",
        username,
        key,
        status_code,
        json.dumps(response),
    )


async def release(pool: asyncpg.Pool, username: str, key: str) -> None:
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
