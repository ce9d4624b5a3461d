"""Running the installed `platform` script as a user would (shared by the CLI tests)."""

import asyncio
import os
import sys
from dataclasses import dataclass
from pathlib import Path

PLATFORM = Path(sys.executable).parent / "platform"  # the script `make install` puts in .venv


@dataclass
class Run:
    code: int
    out: str
    err: str


@dataclass
class Cli:
    """The installed `platform` script with its own config dir, as a user would run it."""

    gateway_url: str
    config_dir: Path

    async def __call__(self, *args: str, **env: str) -> Run:
        process = await asyncio.create_subprocess_exec(
            str(PLATFORM),
            *args,
            stdout=asyncio.subprocess.PIPE,
            stderr=asyncio.subprocess.PIPE,
            env={
                **os.environ,
                "PLATFORM_CONFIG_DIR": str(self.config_dir),
                "PLATFORM_URL": self.gateway_url,
                "COLUMNS": "200",  # Rich wraps tables to the terminal width
                **env,
            },
        )
        out, err = await asyncio.wait_for(process.communicate(), timeout=300)
        assert process.returncode is not None
        return Run(process.returncode, out.decode(), err.decode())

    async def login(self) -> Run:
        run = await self("login", "--username", "admin", PLATFORM_PASSWORD="admin")
        assert run.code == 0, run
        return run


def execute_args(folder: Path, rows: str, *options: str, token: str = "SBIN") -> tuple[str, ...]:
    """`platform execute` arguments for the quantity CSV `rows` (written to `folder`):
    a MARKET INTRADAY buy of `token` unless `options` name the side, type and product."""
    quantities = folder / "quantities.csv"
    quantities.write_text(rows)
    flags = options or ("--buy", "--market", "--intraday")
    return ("execute", "--token", token, *flags, "--csv", str(quantities))
