"""Supervised child processes: start, watch, restart on crash, stop within a deadline.

Each child gets a parent-death signal, so if the launcher itself is killed (even with
SIGKILL) its children go too. Each child's pid is also written under the state folder, so
a launcher started after a crash can find and stop whatever the last one left behind.
"""

import asyncio
import contextlib
import ctypes
import logging
import os
import signal
import subprocess
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from pathlib import Path

import psutil

log = logging.getLogger("stack")

_PR_SET_PDEATHSIG = 1
ReadyProbe = Callable[[], Awaitable[bool]]


@dataclass
class ProcessSpec:
    name: str
    argv: list[str]
    address: str
    ready: ReadyProbe
    port: int
    port_variable: str
    env: dict[str, str] = field(default_factory=dict)
    cwd: Path | None = None
    user: str | None = None
    stop_signal: int = signal.SIGTERM
    restart: bool = True


@dataclass
class Child:
    spec: ProcessSpec
    process: subprocess.Popen[bytes]
    log_path: Path
    started_at: float
    restarts: int = 0


def _die_with_parent(sig: int) -> Callable[[], None]:
    def preexec() -> None:
        libc = ctypes.CDLL("libc.so.6", use_errno=True)
        libc.prctl(_PR_SET_PDEATHSIG, sig)

    return preexec


class Supervisor:
    def __init__(self, state_dir: Path) -> None:
        self.pid_dir = state_dir / "pids"
        self.log_dir = state_dir / "logs"
        self.pid_dir.mkdir(parents=True, exist_ok=True)
        self.log_dir.mkdir(parents=True, exist_ok=True)
        self.children: dict[str, Child] = {}
        self._stopping = False

    def reap_leftovers(self) -> list[str]:
        """Stop processes a crashed launcher left running (found by their pid files)."""
        reaped = []
        for pid_file in self.pid_dir.glob("*.pid"):
            try:
                pid = int(pid_file.read_text().split()[0])
                proc = psutil.Process(pid)
                if proc.is_running() and proc.status() != psutil.STATUS_ZOMBIE:
                    _terminate_tree(proc, timeout=5)
                    reaped.append(f"{pid_file.stem} (pid {pid})")
            except (ValueError, IndexError, psutil.NoSuchProcess, psutil.AccessDenied):
                pass
            pid_file.unlink(missing_ok=True)
        return reaped

    def start(self, spec: ProcessSpec) -> Child:
        holder = port_holder(spec.port)
        if holder is not None:
            raise PortInUse(
                f"cannot start {spec.name}: port {spec.port} is already in use by {holder}; "
                f"stop that process or choose another port with {spec.port_variable}=..."
            )
        log_path = self.log_dir / f"{spec.name}.log"
        out = log_path.open("ab")
        env = {**os.environ, **spec.env}
        process = subprocess.Popen(  # noqa: S603  (argv is ours, never user input)
            spec.argv,
            cwd=spec.cwd,
            env=env,
            stdin=subprocess.DEVNULL,
            stdout=out,
            stderr=subprocess.STDOUT,
            user=spec.user,
            preexec_fn=_die_with_parent(spec.stop_signal),
            start_new_session=True,
        )
        out.close()
        (self.pid_dir / f"{spec.name}.pid").write_text(f"{process.pid}\n")
        child = Child(spec, process, log_path, time.monotonic())
        previous = self.children.get(spec.name)
        if previous is not None:
            child.restarts = previous.restarts + 1
        self.children[spec.name] = child
        return child

    async def wait_ready(self, name: str, within_s: float) -> None:
        child = self.children[name]
        deadline = time.monotonic() + within_s
        while time.monotonic() < deadline:
            if child.process.poll() is not None:
                raise RuntimeError(
                    f"{name} exited with code {child.process.returncode} while starting; "
                    f"see {child.log_path}:\n{_tail(child.log_path)}"
                )
            with contextlib.suppress(Exception):
                if await child.spec.ready():
                    return
            await asyncio.sleep(0.2)
        raise TimeoutError(
            f"{name} was not ready after {within_s:.0f} s; see {child.log_path}:\n"
            f"{_tail(child.log_path)}"
        )

    async def watch(self) -> None:
        """Restart children that die on their own, with a growing pause between tries."""
        while not self._stopping:
            await asyncio.sleep(0.5)
            for name, child in list(self.children.items()):
                code = child.process.poll()
                if code is None or self._stopping or not child.spec.restart:
                    continue
                pause = min(2.0 ** min(child.restarts, 4), 15.0)
                log.warning("%s exited with code %s; restarting in %.0f s", name, code, pause)
                await asyncio.sleep(pause)
                if not self._stopping:
                    self.start(child.spec)

    def stop(self, names: list[str], timeout: float) -> None:
        """Signal the named children together, then kill whatever outlives `timeout`."""
        self._stopping = True
        live = [self.children[n] for n in names if n in self.children]
        for child in live:
            if child.process.poll() is None:
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, child.spec.stop_signal)
        deadline = time.monotonic() + timeout
        for child in live:
            remaining = max(deadline - time.monotonic(), 0.05)
            try:
                child.process.wait(remaining)
            except subprocess.TimeoutExpired:
                log.warning("%s did not stop in time; killing it", child.spec.name)
                with contextlib.suppress(ProcessLookupError):
                    os.killpg(child.process.pid, signal.SIGKILL)
                child.process.wait(5)
            (self.pid_dir / f"{child.spec.name}.pid").unlink(missing_ok=True)


class PortInUse(RuntimeError):
    pass


def port_holder(port: int) -> str | None:
    """Who listens on `port` (any address), or None when it is free."""
    try:
        connections = psutil.net_connections(kind="tcp")
    except psutil.AccessDenied:
        return None
    for conn in connections:
        if conn.status == psutil.CONN_LISTEN and conn.laddr and conn.laddr.port == port:
            try:
                proc = psutil.Process(conn.pid) if conn.pid else None
                return f"pid {conn.pid} ({proc.name()})" if proc else "another process"
            except psutil.NoSuchProcess:
                return "another process"
    return None


def _terminate_tree(proc: psutil.Process, timeout: float) -> None:
    procs = [proc, *proc.children(recursive=True)]
    for p in procs:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.terminate()
    _, alive = psutil.wait_procs(procs, timeout=timeout)
    for p in alive:
        with contextlib.suppress(psutil.NoSuchProcess):
            p.kill()


def _tail(path: Path, lines: int = 20) -> str:
    try:
        return "\n".join(path.read_text(errors="replace").splitlines()[-lines:])
    except OSError:
        return "(no log)"
