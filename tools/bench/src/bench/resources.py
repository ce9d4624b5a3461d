"""CPU and memory of the platform's processes (psutil), sampled while a scenario runs."""

import asyncio
import contextlib
import os
import time
from dataclasses import dataclass, field

import psutil


@dataclass
class Usage:
    cpu_percent: dict[str, float] = field(default_factory=dict)
    """Average CPU over the window, per process; 100 = one core fully busy."""
    rss_mb: dict[str, float] = field(default_factory=dict)
    """Peak resident memory over the window, per process."""
    cpu_seconds: dict[str, float] = field(default_factory=dict)
    """CPU time used in the window, per process: unlike latency, not inflated by other
    processes competing for the cores, so it locates the cost even on a busy machine."""
    wall_seconds: float = 0.0
    """Length of the window."""


class Sampler:
    """Measures CPU time used by each named process between `start` and `stop`.

    CPU is the process's user+system time over the wall time of the window (its children
    included), so short bursts are not missed between samples; RSS is sampled every
    `every` seconds and the peak kept.
    """

    def __init__(self, pids: dict[str, int], every: float = 0.5) -> None:
        self.procs: dict[str, psutil.Process] = {}
        for name, pid in pids.items():
            with contextlib.suppress(psutil.Error):
                self.procs[name] = psutil.Process(pid)
        self.every = every
        self._cpu0: dict[str, float] = {}
        self._t0 = 0.0
        self._rss: dict[str, float] = {}
        self._task: asyncio.Task[None] | None = None

    def _tree(self, proc: psutil.Process) -> list[psutil.Process]:
        if proc.pid == os.getpid():  # the platform is our child: count only ourselves
            return [proc]
        with contextlib.suppress(psutil.Error):
            return [proc, *proc.children(recursive=True)]
        return [proc]

    def _cpu(self, proc: psutil.Process) -> float:
        total = 0.0
        for p in self._tree(proc):
            with contextlib.suppress(psutil.Error):
                times = p.cpu_times()
                total += times.user + times.system
        return total

    def _sample_rss(self) -> None:
        for name, proc in self.procs.items():
            rss = 0
            for p in self._tree(proc):
                with contextlib.suppress(psutil.Error):
                    rss += p.memory_info().rss
            self._rss[name] = max(self._rss.get(name, 0.0), rss / 2**20)

    async def _loop(self) -> None:
        while True:
            self._sample_rss()
            await asyncio.sleep(self.every)

    def start(self) -> None:
        self._t0 = time.monotonic()
        self._cpu0 = {name: self._cpu(proc) for name, proc in self.procs.items()}
        self._task = asyncio.create_task(self._loop())

    async def stop(self) -> Usage:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        self._sample_rss()
        wall = max(time.monotonic() - self._t0, 1e-6)
        used = {
            name: self._cpu(proc) - self._cpu0.get(name, 0.0) for name, proc in self.procs.items()
        }
        cpu = {name: round(100 * seconds / wall, 1) for name, seconds in used.items()}
        rss = {k: round(v, 1) for k, v in self._rss.items()}
        return Usage(cpu, rss, {k: round(v, 3) for k, v in used.items()}, round(wall, 3))


SELF = "bench"
"""The load generator and Kafka tap itself: it shares the same two cores."""
SIMULATOR = "motilal-sim"
"""The broker: measured beside the platform, never counted in it."""
PLATFORM = "platform"
"""The key of the platform's total: postgres, redis, kafka and the services."""


def with_self(pids: dict[str, int]) -> dict[str, int]:
    return {**pids, SELF: os.getpid()}


def is_platform(name: str) -> bool:
    return name not in (SELF, SIMULATOR, PLATFORM)


def with_platform_total(per_process: dict[str, float]) -> dict[str, float]:
    """The figures plus their sum over the platform's own processes, under `PLATFORM`."""
    total = sum(v for k, v in per_process.items() if is_platform(k))
    return {**per_process, PLATFORM: round(total, 2)}


def net_cpu_ms_per_order(
    usage: Usage, idle_percent: dict[str, float], orders: int
) -> dict[str, float]:
    """CPU ms per order per process with its idle burn over the same window taken out,
    plus the platform's total (`PLATFORM`): what trading costs beyond standing still.

    Small negative values are noise (a quiet moment below the idle average), kept as
    measured so the total is not biased upwards."""
    per_order = {
        name: round(
            1000 * (used - idle_percent.get(name, 0.0) / 100 * usage.wall_seconds) / max(1, orders),
            2,
        )
        for name, used in usage.cpu_seconds.items()
    }
    return with_platform_total(per_order)


async def measure_idle(pids: dict[str, int], seconds: float) -> Usage:
    """CPU and memory per process over `seconds` during which the caller trades nothing."""
    sampler = Sampler(pids)
    sampler.start()
    await asyncio.sleep(seconds)
    return await sampler.stop()


async def wait_quiet(
    pids: dict[str, int],
    idle_percent: dict[str, float],
    margin: float = 20.0,
    longest: float = 30.0,
    every: float = 1.0,
) -> float:
    """Until the platform's CPU is within `margin` points of its idle total (the work a
    previous scenario left behind is done), at most `longest` seconds; the seconds waited."""
    idle = with_platform_total(idle_percent)[PLATFORM]
    started = time.monotonic()
    while time.monotonic() - started < longest:
        sampler = Sampler(pids)
        sampler.start()
        await asyncio.sleep(every)
        busy = with_platform_total((await sampler.stop()).cpu_percent)[PLATFORM]
        if busy <= idle + margin:
            break
    return time.monotonic() - started
