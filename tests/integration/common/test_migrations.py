"""Migrations: each file once, in order, into the service's own schema; twice is harmless."""

from pathlib import Path

import asyncpg
import pytest
from common.db import apply_migrations, create_pool, migration_files, pending_migrations
from common.ids import new_id
from stack.testing import TestStack


def _write(folder: Path, files: dict[str, str]) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    for name, sql in files.items():
        (folder / name).write_text(sql)
    return folder


async def test_migrations_apply_twice_without_error(stack: TestStack, tmp_path: Path) -> None:
    schema = f"m_{new_id()[:10]}"
    folder = _write(
        tmp_path / "migrations",
        {
            "001_orders.sql": "CREATE TABLE orders (id text PRIMARY KEY);",
            "002_qty.sql": "ALTER TABLE orders ADD COLUMN quantity integer NOT NULL DEFAULT 0;",
        },
    )
    pool = await create_pool(stack.postgres_dsn, schema)
    try:
        assert await apply_migrations(pool, schema, folder) == [1, 2]
        assert await apply_migrations(pool, schema, folder) == []
        assert await pending_migrations(pool, schema, folder) == []
        await pool.execute("INSERT INTO orders (id, quantity) VALUES ('o1', 5)")
        assert await pool.fetchval(f"SELECT quantity FROM {schema}.orders") == 5
    finally:
        await pool.close()


async def test_migration_failure_rolls_back_that_file_only(
    stack: TestStack, tmp_path: Path
) -> None:
    schema = f"m_{new_id()[:10]}"
    folder = _write(
        tmp_path / "migrations",
        {
            "001_ok.sql": "CREATE TABLE a (id int);",
            "002_broken.sql": "CREATE TABLE b (id int); SELECT no_such_function();",
        },
    )
    pool = await create_pool(stack.postgres_dsn, schema)
    try:
        with pytest.raises(asyncpg.UndefinedFunctionError):
            await apply_migrations(pool, schema, folder)
        assert await pending_migrations(pool, schema, folder) == [2]
        assert await pool.fetchval("SELECT to_regclass($1)", f"{schema}.b") is None
    finally:
        await pool.close()


def test_migration_file_badly_named_rejected(tmp_path: Path) -> None:
    folder = _write(tmp_path / "m", {"1-init.sql": "SELECT 1;"})
    with pytest.raises(ValueError, match=r"NNN_words\.sql"):
        migration_files(folder)
