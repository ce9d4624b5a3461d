"""Idempotency keys are forgotten after KEEP_HOURS, and only those."""

from pathlib import Path

import gateway
from common.db import apply_migrations, create_pool
from common.ids import new_id
from gateway import store_idempotency
from gateway.idempotency import KEEP_HOURS
from stack.testing import TestStack

MIGRATIONS = Path(gateway.__file__).parent / "migrations"


async def test_keys_older_than_keep_hours_are_forgotten_newer_kept(stack: TestStack) -> None:
    schema = f"gateway_idem_{new_id()[:8]}"
    pool = await create_pool(stack.postgres_dsn, schema)
    try:
        await apply_migrations(pool, schema, MIGRATIONS)
        for key in ("old", "fresh"):
            assert await store_idempotency.claim(pool, "trader", key, "hash", 60)
        await pool.execute(
            "UPDATE idempotency_keys SET created_at = now() - make_interval(hours => $1) "
            "WHERE key = 'old'",
            KEEP_HOURS + 1,
        )
        assert await store_idempotency.forget_older_than(pool, KEEP_HOURS) == 1
        assert await store_idempotency.find(pool, "trader", "old") is None
        assert await store_idempotency.find(pool, "trader", "fresh") is not None
    finally:
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()
