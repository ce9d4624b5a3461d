"""Start the simulator as a real subprocess on a free port, for tests and the platform launcher.

with run_simulator(seed=7, env={"MOTILAL_SIM_TICK_INTERVAL": "0"}) as sim:
    httpx.get(sim.base_url + "/sim/health")
"""

import base64
import contextlib
import hashlib
import json
import os
import signal
import socket
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import httpx

DEMO_ACCOUNTS_FILE = Path(__file__).resolve().parents[4] / "data" / "sim-accounts.json"


def generated_accounts(count: int, demo_file: Path = DEMO_ACCOUNTS_FILE) -> list[dict[str, Any]]:
    """The demo accounts, then synthetic ones shaped like them, up to `count` in all.

    Secrets are derived from the account number, so every run makes the same accounts:
    tests and benchmarks that need hundreds of clients write these to a file and point the
    simulator (MOTILAL_SIM_ACCOUNTS) and the platform's dev registration at it.
    """
    demo = json.loads(demo_file.read_text())
    accounts = [dict(a) for a in demo]
    template = demo[0]
    for n in range(len(accounts), count):
        digest = hashlib.sha256(f"sim-account-{n}".encode()).digest()
        accounts.append(
            {
                **template,
                "client_code": f"TST{n:05d}",
                "name": f"TEST CLIENT {n}",
                "password": f"Sim@{n:06d}",
                "pan": f"ABCPT{n:04d}K",
                "totp_secret": base64.b32encode(digest[:20]).decode(),
                "api_key": digest.hex()[:16],
                "funds": 5_000_000,
                "holdings": [],
                "allowed_ips": [],
            }
        )
    return accounts


@dataclass(frozen=True)
class RunningSimulator:
    host: str
    port: int
    pid: int
    log_path: Path

    @property
    def base_url(self) -> str:
        return f"http://{self.host}:{self.port}"

    @property
    def feed_url(self) -> str:
        return f"ws://{self.host}:{self.port}/jwebsocket/jwebsocket"

    @property
    def order_stream_url(self) -> str:
        return f"ws://{self.host}:{self.port}/ws"

    def env(self) -> dict[str, str]:
        """Settings that point a `motilal` client at this simulator."""
        return {
            "MOTILAL_ENVIRONMENT": "sim",
            "MOTILAL_BASE_URL": self.base_url,
            "MOTILAL_FEED_URL": self.feed_url,
            "MOTILAL_ORDER_STREAM_URL": self.order_stream_url,
        }


def free_port(host: str = "127.0.0.1") -> int:
    with socket.socket() as sock:
        sock.bind((host, 0))
        port: int = sock.getsockname()[1]
        return port


def _wait_ready(url: str, process: subprocess.Popen[bytes], deadline: float, log: Path) -> None:
    while time.monotonic() < deadline:
        if process.poll() is not None:
            raise RuntimeError(
                f"simulator exited with {process.returncode}:\n{log.read_text()[-2000:]}"
            )
        with contextlib.suppress(httpx.HTTPError):
            if httpx.get(url, timeout=0.5).status_code == 200:
                return
        time.sleep(0.05)
    raise TimeoutError(f"simulator not ready at {url}:\n{log.read_text()[-2000:]}")


@contextlib.contextmanager
def run_simulator(
    *,
    host: str = "127.0.0.1",
    port: int | None = None,
    accounts: Path | None = None,
    tokens: Path | None = None,
    seed: int | None = None,
    env: Mapping[str, str] | None = None,
    startup_timeout: float = 60.0,
) -> Iterator[RunningSimulator]:
    """Runs `python -m motilal_sim` until the block ends; `env` adds MOTILAL_SIM_* settings."""
    port = port or free_port(host)
    args = [sys.executable, "-m", "motilal_sim", "--host", host, "--port", str(port)]
    args += ["--log-level", "warning"]
    if accounts is not None:
        args += ["--accounts", str(accounts)]
    if tokens is not None:
        args += ["--tokens", str(tokens)]
    if seed is not None:
        args += ["--seed", str(seed)]
    child_env = {**os.environ, **(env or {})}
    log = Path(tempfile.mkstemp(prefix="motilal-sim-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(args, env=child_env, stdout=out, stderr=subprocess.STDOUT)  # noqa: S603
    sim = RunningSimulator(host, port, process.pid, log)
    try:
        _wait_ready(f"{sim.base_url}/sim/health", process, time.monotonic() + startup_timeout, log)
        yield sim
    finally:
        process.send_signal(signal.SIGTERM)
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()
