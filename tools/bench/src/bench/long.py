"""The long run: does the platform's cost grow with the history it holds?

`python -m bench --long 100000` feeds the platform N orders as execute-all batches over
`--long-batch` clients at a time (rotating through every registered client, BUY then SELL
for each, so positions stay flat), with `--long-inflight` batches in flight, each waited
for until every order ended (a closed loop: the platform sets the pace). Over windows of
`--long-window` orders (the first, one at every tenth of the run, the last) it measures the
CPU per order of every process, idle subtracted, and the batches' POST-to-last-end time;
before and after the feed, idle CPU after the settle period. Per-order CPU and idle CPU of
the last window against the first say whether cost grows with history (target: within
20 %). Windows run with nothing else in flight, so each measures only its own orders.
"""

import asyncio
import time
from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from bench.harness import Harness
from bench.resources import (
    PLATFORM,
    Sampler,
    Usage,
    measure_idle,
    net_cpu_ms_per_order,
    with_platform_total,
    with_self,
)
from bench.stats import Summary


@dataclass
class Window:
    first_order: int
    orders: int
    seconds: float
    batch_end: Summary
    """POST to the batch's last order ending, per batch."""
    cpu_ms_per_order: dict[str, float]

    def as_json(self) -> dict[str, Any]:
        return {
            "first_order": self.first_order,
            "orders": self.orders,
            "orders_per_s": round(self.orders / self.seconds, 1) if self.seconds else None,
            "batch_post_to_last_end": self.batch_end.as_json(),
            "cpu_ms_per_order": self.cpu_ms_per_order,
        }


@dataclass
class LongRun:
    orders: int
    batch: int
    inflight: int
    idle_before: Usage
    idle_after: Usage | None = None
    windows: list[Window] = field(default_factory=list)
    refused: int = 0
    unfinished: int = 0
    seconds: float = 0.0

    def as_json(self) -> dict[str, Any]:
        out: dict[str, Any] = {
            "orders": self.orders,
            "batch_clients": self.batch,
            "inflight_batches": self.inflight,
            "seconds": round(self.seconds, 1),
            "refused_batches": self.refused,
            "unfinished_orders": self.unfinished,
            "idle_cpu_percent_before": with_platform_total(self.idle_before.cpu_percent),
            "windows": [w.as_json() for w in self.windows],
        }
        if self.idle_after is not None:
            out["idle_cpu_percent_after"] = with_platform_total(self.idle_after.cpu_percent)
        if len(self.windows) >= 2:
            first = self.windows[0].cpu_ms_per_order.get(PLATFORM, 0.0)
            last = self.windows[-1].cpu_ms_per_order.get(PLATFORM, 0.0)
            out["platform_cpu_per_order_last_over_first"] = _ratio(last, first)
        if self.idle_after is not None:
            before = with_platform_total(self.idle_before.cpu_percent)[PLATFORM]
            after = with_platform_total(self.idle_after.cpu_percent)[PLATFORM]
            out["platform_idle_cpu_after_over_before"] = _ratio(after, before)
        return out


def _ratio(new: float, old: float) -> float | None:
    return round(new / old, 2) if old > 0 else None


def window_starts(total_batches: int, per_window: int) -> list[int]:
    """First batch of each window: the first, one at every tenth, the last; no overlaps."""
    wanted = [0, *(total_batches * d // 10 for d in range(1, 10)), total_batches - per_window]
    starts: list[int] = []
    for start in sorted(set(wanted)):
        start = max(0, min(start, total_batches - per_window))
        if not starts or start >= starts[-1] + per_window:
            starts.append(start)
    return starts


async def run_long(
    h: Harness,
    orders: int,
    batch: int,
    inflight: int,
    window: int,
    settle_s: float,
    idle_s: float,
    log: Callable[[str], None] = print,
) -> LongRun:
    clients = h.clients
    batch = max(1, min(batch, len(clients)))
    groups = max(1, len(clients) // batch)
    total = max(1, orders // batch)
    per_window = max(1, min(total, window // batch))
    log(f"long run: settling {settle_s:.0f} s, then idle CPU for {idle_s:.0f} s")
    await asyncio.sleep(settle_s)
    result = LongRun(
        total * batch, batch, inflight, await measure_idle(with_self(h.pids()), idle_s)
    )
    idle = result.idle_before.cpu_percent

    async def feed(first: int, count: int) -> list[float]:
        """Batches [first, first + count), `inflight` at a time; their POST-to-end times."""
        gate = asyncio.Semaphore(inflight)
        ends: list[float] = []

        async def one(i: int) -> None:
            group = i % groups
            chosen = clients[group * batch : (group + 1) * batch]
            side = "BUY" if (i // groups) % 2 == 0 else "SELL"  # each client alternates
            async with gate:
                sent = time.monotonic()
                answer = await h.execute_all(chosen, side)
                if answer is None:
                    result.refused += 1
                    return
                ids = [o["order_id"] for o in answer["orders"]]
                try:
                    await h.wait_batch(answer["batch_id"], ids, 300 + 1.5 * len(ids))
                except TimeoutError:
                    result.unfinished += sum(
                        1 for o in ids if o not in h.tap.orders or not h.tap.orders[o].terminal
                    )
                    return
                ends.append(time.monotonic() - sent)

        await asyncio.gather(*(one(i) for i in range(first, first + count)))
        return ends

    started = time.monotonic()
    done = 0
    for start in window_starts(total, per_window):
        if start > done:  # the stretch between windows, chunked to keep few tasks alive
            for chunk in range(done, start, 50):
                await feed(chunk, min(50, start - chunk))
            log(f"long run: {start * batch} of {total * batch} orders")
        sampler = Sampler(with_self(h.pids()))
        sampler.start()
        began = time.monotonic()
        ends = await feed(start, per_window)
        seconds = time.monotonic() - began
        await asyncio.sleep(2.0)  # work that follows the fills (position reads, ...)
        usage = await sampler.stop()
        result.windows.append(
            Window(
                start * batch,
                per_window * batch,
                seconds,
                Summary.of(ends),
                net_cpu_ms_per_order(usage, idle, per_window * batch),
            )
        )
        done = start + per_window
        log(
            f"long run: window at order {start * batch}: "
            f"{result.windows[-1].cpu_ms_per_order[PLATFORM]:.1f} ms platform CPU per order"
        )
    result.seconds = time.monotonic() - started
    log(f"long run: fed in {result.seconds:.0f} s; settling {settle_s:.0f} s for idle CPU")
    await asyncio.sleep(settle_s)
    result.idle_after = await measure_idle(with_self(h.pids()), idle_s)
    return result
