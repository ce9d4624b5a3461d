"""A service's tables in a PostgreSQL schema of one test's own, migrated as at start-up."""

import secrets
from collections.abc import AsyncIterator
from contextlib import asynccontextmanager
from pathlib import Path

import asyncpg
from common.db import apply_migrations


@asynccontextmanager
async def migrated_pool(dsn: str, prefix: str, migrations: Path) -> AsyncIterator[asyncpg.Pool]:
    """A small pool on a fresh schema `<prefix>_<random>` with `migrations` applied."""
    schema = f"{prefix}_{secrets.token_hex(4)}"
    pool = await asyncpg.create_pool(
        dsn, min_size=1, max_size=4, server_settings={"search_path": schema}
    )
    try:
        await apply_migrations(pool, schema, migrations)
        yield pool
    finally:
        await pool.close()
