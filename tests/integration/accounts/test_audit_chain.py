"""The audit log is append-only in the database and hash-chained (issue 13, item 8)."""

import asyncio
import shutil
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import gateway
import httpx
import pytest
from common.db import apply_migrations, create_pool
from common.ids import new_id
from conftest import bearer, create_user, token_for
from gateway import store_audit
from stack.testing import TestStack

MIGRATIONS = Path(gateway.__file__).parent / "migrations"
CHAIN_MIGRATION = "012_audit_chain.sql"


async def _append(pool: asyncpg.Pool, n: int) -> None:
    await asyncio.gather(
        *(
            store_audit.append(
                pool, actor="trader", actor_role="trader", action="order.place",
                target=new_id(), correlation_id=new_id(), details={"quantity": i},
            )
            for i in range(n)
        )
    )  # fmt: skip


@pytest.fixture
async def pool(stack: TestStack, tmp_path: Path) -> AsyncIterator[asyncpg.Pool]:
    """A schema of its own with the migrations BEFORE the chain, holding rows already."""
    schema = f"gateway_audit_{new_id()[:8]}"
    before = tmp_path / "before"
    before.mkdir()
    for path in MIGRATIONS.glob("*.sql"):
        if path.name < CHAIN_MIGRATION:
            shutil.copy(path, before / path.name)
    pool = await create_pool(stack.postgres_dsn, schema)
    try:
        await apply_migrations(pool, schema, before)
        await _append(pool, 3)
        await apply_migrations(pool, schema, MIGRATIONS)
        yield pool
    finally:
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()


async def _tamper(pool: asyncpg.Pool, sql: str, *args: object) -> None:
    """What only the schema's owner can do: switch the append-only trigger off."""
    async with pool.acquire() as conn, conn.transaction():
        await conn.execute("ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only")
        await conn.execute(sql, *args)
        await conn.execute("ALTER TABLE audit_log ENABLE TRIGGER audit_log_append_only")


async def test_audit_chain_of_old_and_concurrent_rows_holds(pool: asyncpg.Pool) -> None:
    await _append(pool, 20)
    verdict = await store_audit.verify_chain(pool)
    assert verdict["intact"] is True, verdict
    assert verdict["rows"] == 23
    assert verdict["head"]["seq"] == 23


async def test_audit_update_and_delete_are_refused_by_the_database(pool: asyncpg.Pool) -> None:
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("UPDATE audit_log SET actor = 'someone-else'")
    with pytest.raises(asyncpg.RaiseError, match="append-only"):
        await pool.execute("DELETE FROM audit_log")


async def test_audit_row_edited_behind_the_trigger_breaks_chain_there(pool: asyncpg.Pool) -> None:
    await _append(pool, 4)
    victim = await pool.fetchval("SELECT id FROM audit_log WHERE chain_seq = 5")
    await _tamper(
        pool, "UPDATE audit_log SET details = '{\"quantity\": 999}' WHERE id = $1", victim
    )
    verdict = await store_audit.verify_chain(pool)
    assert verdict["intact"] is False
    assert verdict["broken_at"] == {"id": victim, "chain_seq": 5, "reason": "altered"}


async def test_audit_row_removed_breaks_chain_at_the_next(pool: asyncpg.Pool) -> None:
    await _append(pool, 4)
    await _tamper(pool, "DELETE FROM audit_log WHERE chain_seq = 4")
    verdict = await store_audit.verify_chain(pool)
    assert verdict["broken_at"]["chain_seq"] == 5
    assert verdict["broken_at"]["reason"] == "missing"


async def test_audit_last_rows_removed_shows_against_the_head(pool: asyncpg.Pool) -> None:
    await _tamper(pool, "DELETE FROM audit_log WHERE chain_seq = 3")
    verdict = await store_audit.verify_chain(pool)
    assert verdict["broken_at"] == {"id": None, "chain_seq": 3, "reason": "missing"}


async def test_verify_endpoint_answers_admins_only(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient
) -> None:
    response = await admin.get("/api/v1/admin/audit/verify")
    assert response.status_code == 200, response.text
    assert response.json()["intact"] is True
    assert len(response.json()["head"]["hash"]) == 64
    viewer = await token_for(gateway, *await create_user(admin, "viewer"))
    refused = await gateway.get("/api/v1/admin/audit/verify", headers=bearer(viewer))
    assert refused.status_code == 403
