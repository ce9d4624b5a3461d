"""asyncpg wiring: one pool per service, bound to the service's own schema, and migrations.

Migrations are numbered SQL files (`001_orders.sql`, ...) in the service's `migrations/`
folder. Each runs once, in a transaction, under an advisory lock so replicas starting
together do not race. Alembic would bring SQLAlchemy for no gain here: the files are plain SQL.
"""

import dataclasses
import functools
import hashlib
import re
from pathlib import Path
from typing import TYPE_CHECKING, Any, TypeAlias, TypeVar

import asyncpg

if TYPE_CHECKING:
    from _typeshed import DataclassInstance

_MIGRATION_FILE = re.compile(r"^(\d{3,})_[a-z0-9_]+\.sql$")
_SCHEMA_NAME = re.compile(r"^[a-z_][a-z0-9_]*$")


class PooledConnection(asyncpg.Connection):
    """A pooled connection released without asyncpg's reset query.

    asyncpg sends `pg_advisory_unlock_all(); CLOSE ALL; UNLISTEN *; RESET ALL` on every
    release: one more round trip per use of the pool, on every request and every batch.
    No code here keeps session state on a pooled connection (LISTEN has a connection of
    its own, cursors live in transactions, advisory locks are transaction-scoped or
    released in a `finally`), so there is nothing to reset. An open transaction is still
    rolled back by asyncpg before the connection goes back.
    """

    def get_reset_query(self) -> str:
        return ""


async def create_pool(dsn: str, schema: str, max_size: int = 10) -> asyncpg.Pool:
    """A pool whose connections see `schema` first, so SQL names its tables unqualified."""
    _check_schema(schema)
    pool = await asyncpg.create_pool(
        dsn,
        min_size=1,
        max_size=max_size,
        server_settings={"search_path": f"{schema},public", "application_name": schema},
        command_timeout=30,
        connection_class=PooledConnection,
    )
    assert pool is not None
    return pool


def migration_files(directory: Path) -> list[tuple[int, Path]]:
    files = []
    for path in sorted(directory.glob("*.sql")):
        match = _MIGRATION_FILE.match(path.name)
        if not match:
            raise ValueError(f"migration file {path.name} must be named NNN_words.sql")
        files.append((int(match.group(1)), path))
    versions = [v for v, _ in files]
    if len(versions) != len(set(versions)):
        raise ValueError(f"two migrations in {directory} share a number")
    return files


async def apply_migrations(pool: asyncpg.Pool, schema: str, directory: Path) -> list[int]:
    """Apply the files not yet applied to `schema`; returns the versions applied now."""
    _check_schema(schema)
    lock_key = int.from_bytes(hashlib.sha256(schema.encode()).digest()[:8], "big", signed=True)
    applied_now: list[int] = []
    async with pool.acquire() as conn:
        await conn.execute("SELECT pg_advisory_lock($1)", lock_key)
        try:
            await conn.execute(f"CREATE SCHEMA IF NOT EXISTS {schema}")
            await conn.execute(
                f"""CREATE TABLE IF NOT EXISTS {schema}.schema_migrations (
                        version integer PRIMARY KEY,
                        name text NOT NULL,
                        applied_at timestamptz NOT NULL DEFAULT now())"""
            )
            done = await _applied_versions(conn, schema)
            for version, path in migration_files(directory):
                if version in done:
                    continue
                async with conn.transaction():
                    await conn.execute(f"SET LOCAL search_path TO {schema}, public")
                    await conn.execute(path.read_text())
                    await conn.execute(
                        f"INSERT INTO {schema}.schema_migrations (version, name) VALUES ($1, $2)",  # noqa: S608
                        version,
                        path.name,
                    )
                applied_now.append(version)
        finally:
            await conn.execute("SELECT pg_advisory_unlock($1)", lock_key)
    return applied_now


async def pending_migrations(pool: asyncpg.Pool, schema: str, directory: Path) -> list[int]:
    async with pool.acquire() as conn:
        exists = await conn.fetchval("SELECT to_regclass($1)", f"{schema}.schema_migrations")
        done = await _applied_versions(conn, schema) if exists else set()
    return [v for v, _ in migration_files(directory) if v not in done]


async def _applied_versions(conn: asyncpg.Connection, schema: str) -> set[int]:
    # `schema` passed _check_schema, so formatting it into SQL is safe.
    rows = await conn.fetch(f"SELECT version FROM {schema}.schema_migrations")  # noqa: S608
    return {r["version"] for r in rows}


def _check_schema(schema: str) -> None:
    if not _SCHEMA_NAME.match(schema):
        raise ValueError(f"schema name {schema!r} must be lowercase letters, digits, underscores")


Executor: TypeAlias = asyncpg.Pool | asyncpg.Connection
"""What a store function runs its SQL on: the pool, or a connection inside a transaction."""


R = TypeVar("R", bound="DataclassInstance")


def from_row(cls: type[R], row: asyncpg.Record, **converted: Any) -> R:
    """A dataclass from a row whose columns carry its field names. `converted` gives the
    fields a column does not hold as is (an enum, a tuple, a nested record); a field with a
    default may have no column. Columns the dataclass does not name are ignored."""
    required, optional = _fields(cls)
    # a missing column of a field without a default is a KeyError naming it
    values = {name: row[name] for name in required if name not in converted}
    for name in optional:
        if name not in converted and (value := row.get(name, _ABSENT)) is not _ABSENT:
            values[name] = value
    return cls(**values, **converted)


_ABSENT = object()


@functools.cache
def _fields(cls: type["DataclassInstance"]) -> tuple[tuple[str, ...], tuple[str, ...]]:
    # the fields __init__ takes, without and with a default; looked up once per class
    taken = [f for f in dataclasses.fields(cls) if f.init]
    required = tuple(
        f.name
        for f in taken
        if f.default is dataclasses.MISSING and f.default_factory is dataclasses.MISSING
    )
    return required, tuple(f.name for f in taken if f.name not in required)
