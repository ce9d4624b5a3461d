"""An Idempotency-Key's states: released only while nothing has left the gateway."""

from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import gateway
import pytest
from common.db import apply_migrations, create_pool
from common.ids import new_id
from gateway import store_idempotency as store
from stack.testing import TestStack

MIGRATIONS = Path(gateway.__file__).parent / "migrations"


@pytest.fixture
async def pool(stack: TestStack) -> AsyncIterator[asyncpg.Pool]:
    schema = f"gateway_keys_{new_id()[:8]}"
    pool = await create_pool(stack.postgres_dsn, schema)
    try:
        await apply_migrations(pool, schema, MIGRATIONS)
        yield pool
    finally:
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()


async def _prepare(pool: asyncpg.Pool, key: str) -> None:
    await store.prepare(
        pool, "trader", key, status_code=202, response={"batch_id": "b1"},
        messages=[{"type": "order.requested"}], audit=[],
    )  # fmt: skip


async def test_prepared_key_survives_release_and_completes_once(pool: asyncpg.Pool) -> None:
    assert await store.claim(pool, "trader", "k", "h", 60)
    await _prepare(pool, "k")
    await store.release(pool, "trader", "k")  # what a failure after the publish would do
    row = await store.find(pool, "trader", "k")
    assert row is not None and row["state"] == "prepared"
    assert await store.complete(pool, "trader", "k")
    assert not await store.complete(pool, "trader", "k")  # a second retry audits nothing


async def test_pending_key_is_released_and_reusable(pool: asyncpg.Pool) -> None:
    assert await store.claim(pool, "trader", "k", "h", 60)
    await store.release(pool, "trader", "k")
    assert await store.claim(pool, "trader", "k", "other body", 60)


async def test_stale_pending_key_is_taken_over_by_the_same_request_only(
    pool: asyncpg.Pool,
) -> None:
    assert await store.claim(pool, "trader", "k", "h", 60)
    assert not await store.claim(pool, "trader", "k", "h", 60)  # still validating
    await pool.execute("UPDATE idempotency_keys SET claimed_at = now() - interval '2 minutes'")
    assert not await store.claim(pool, "trader", "k", "another body", 60)
    assert await store.claim(pool, "trader", "k", "h", 60)


async def test_stale_prepared_key_is_never_taken_over(pool: asyncpg.Pool) -> None:
    assert await store.claim(pool, "trader", "k", "h", 60)
    await _prepare(pool, "k")
    await pool.execute("UPDATE idempotency_keys SET claimed_at = now() - interval '2 minutes'")
    assert not await store.claim(pool, "trader", "k", "h", 60)
