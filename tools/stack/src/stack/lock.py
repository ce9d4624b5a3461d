"""One launcher per state folder: a second `make run` on the same folder is refused."""

import os
from pathlib import Path

import psutil


class AlreadyRunning(RuntimeError):
    pass


def acquire(state_dir: Path) -> Path:
    state_dir.mkdir(parents=True, exist_ok=True)
    path = state_dir / "stack.pid"
    if path.exists():
        try:
            pid = int(path.read_text().strip())
            if pid != os.getpid() and psutil.pid_exists(pid):
                cmdline = " ".join(psutil.Process(pid).cmdline())
                if "stack" in cmdline:
                    raise AlreadyRunning(
                        f"the platform is already running from {state_dir} (pid {pid}); "
                        "stop it with Ctrl-C or `kill {pid}` first"
                    )
        except (ValueError, psutil.NoSuchProcess):
            pass  # a stale file from a crashed launcher
    path.write_text(f"{os.getpid()}\n")
    return path


def release(path: Path) -> None:
    path.unlink(missing_ok=True)
