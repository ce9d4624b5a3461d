"""`make run`'s launcher as a user runs it: up, every service ready, stopped cleanly.

Slow (it starts the whole platform twice), so marked; CI still runs it.
"""

import os
import signal
import subprocess
import sys
import time
from pathlib import Path

import httpx
import psutil
import pytest
from stack.platform import SERVICES
from stack.testing import free_port

pytestmark = pytest.mark.slow


def _launch(state_dir: Path) -> tuple[subprocess.Popen[str], dict[str, int]]:
    ports = {
        "EMBEDDED_POSTGRES_PORT": free_port(),
        "EMBEDDED_REDIS_PORT": free_port(),
        "EMBEDDED_KAFKA_PORT": free_port(),
        "MOTILAL_SIM_PORT": free_port(),
        **{f"{svc.env_prefix}_PORT": free_port() for svc in SERVICES},
    }
    env = {
        k: v
        for k, v in os.environ.items()
        if k not in ("POSTGRES_DSN", "REDIS_URL", "KAFKA_BOOTSTRAP")
    }
    # Readiness deadlines for a loaded 2-core machine, where five services start at once.
    env.update(
        {k: str(v) for k, v in ports.items()}, STATE_DIR=str(state_dir), STACK_READY_TIMEOUT="240"
    )
    process = subprocess.Popen(
        [sys.executable, "-m", "stack", "run"],
        env=env,
        stdout=subprocess.PIPE,
        stderr=subprocess.STDOUT,
        text=True,
    )
    return process, ports


def _wait_for_line(process: subprocess.Popen[str], text: str, seconds: float) -> str:
    assert process.stdout is not None
    seen = []
    deadline = time.monotonic() + seconds
    while time.monotonic() < deadline:
        line = process.stdout.readline()
        if not line and process.poll() is not None:
            break
        seen.append(line)
        if text in line:
            return "".join(seen)
    raise AssertionError(f"{text!r} not printed; output so far:\n{''.join(seen)}")


def _descendants(pid: int) -> list[psutil.Process]:
    return psutil.Process(pid).children(recursive=True)


def test_stack_run_after_a_crash_recovers_then_is_ready_and_two_sigterms_stop_everything(
    tmp_path: Path,
) -> None:
    # One test, two launches (each start of the platform costs tens of seconds): the first
    # crashes, the second must come up on the same state and then stop cleanly.
    state = tmp_path / "state"
    process, _ = _launch(state)
    try:
        _wait_for_line(process, "The platform is up", seconds=300)
        children = _descendants(process.pid)
        process.kill()  # the launcher dies without cleaning up
        process.wait(10)
        psutil.wait_procs(children, timeout=10)  # parent-death signals reach the children
    finally:
        if process.poll() is None:
            process.kill()
    assert (state / "stack.pid").exists(), "a crash leaves its lock file behind"

    process, ports = _launch(state)
    try:
        output = _wait_for_line(process, "The platform is up", seconds=300)
        table = _wait_for_line(process, "Ctrl-C stops everything", seconds=10)
        assert "WARNING: development mode. Sign in as admin / admin" in table
        for svc in SERVICES:
            assert svc.name in table
            port = ports[f"{svc.env_prefix}_PORT"]
            ready = httpx.get(f"http://127.0.0.1:{port}/ready", timeout=5)
            assert ready.status_code == 200, ready.text
            assert ready.json()["checks"]["migrations"] == "ok"
            assert httpx.get(f"http://127.0.0.1:{port}/metrics", timeout=5).status_code == 200
        children = _descendants(process.pid)
        assert len(children) >= 8, output

        started = time.monotonic()
        process.send_signal(signal.SIGTERM)
        time.sleep(0.5)
        process.send_signal(signal.SIGTERM)  # an impatient second stop must not cut it short
        process.wait(15)
        assert time.monotonic() - started < 10
        _, alive = psutil.wait_procs(children, timeout=1)
        assert alive == [], f"orphans left behind: {[p.pid for p in alive]}"
        assert process.returncode == 0
    finally:
        if process.poll() is None:
            process.kill()
