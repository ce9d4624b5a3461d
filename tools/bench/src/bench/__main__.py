"""`python -m bench`: the platform's figures, printed as a table and written as JSON.

Starts the embedded stack on free ports in a temp folder (never the default ports), with
the instrumented simulator and as many generated accounts as the largest fan-out (at least
100), waits `--settle` seconds after the warm-up trade and measures idle CPU; then runs, for
each simulator latency in `--latencies`: the direct fan-out (the floor: the same orders
straight at the simulator, `--direct-concurrency` in flight, once the platform is quiet),
batch fan-out over `--fanout` clients and the naive loop; then single-order overhead at
`--rates`, the throughput ramp, and quote fan-out. `--long N` runs only the long run
instead (N orders; see bench/long.py).
Every option also reads BENCH_<OPTION> from the environment (e.g. BENCH_FANOUT=10,100).
"""

import argparse
import asyncio
import contextlib
import os
import platform as host
import shutil
import sys
import tempfile
import time
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

import psutil
from motilal import MotilalClient

from bench import report
from bench.baseline import run_baseline
from bench.broker import log_in_clients
from bench.direct import run_direct
from bench.fanout import run_fanout
from bench.harness import Harness
from bench.load import batches, run_load, single_orders
from bench.long import run_long
from bench.options import parse
from bench.quotes import run_quotes
from bench.resources import (
    SELF,
    Sampler,
    measure_idle,
    wait_quiet,
    with_platform_total,
    with_self,
)


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def new_result(args: argparse.Namespace) -> dict[str, Any]:
    return {
        "started_at": datetime.now(UTC).isoformat(timespec="seconds"),
        "machine": f"{psutil.cpu_count()} cores, {host.python_implementation()} "
        f"{host.python_version()}, load average {os.getloadavg()[0]:.1f} at start",
        "parameters": {k: sorted(v) if isinstance(v, set) else v for k, v in vars(args).items()},
        "fanout": [],
        "direct": [],
        "baseline": [],
        "overhead": [],
        "throughput": [],
        "notes": [],
    }


async def bench(args: argparse.Namespace, folder: Path, result: dict[str, Any]) -> None:
    """Fills `result` as it goes, so an interrupted run still reports what it measured."""
    clients = max([*args.fanout, 100])
    h = Harness(folder, clients, env=args.env)
    closing = contextlib.AsyncExitStack()
    try:
        await h.start(log=say)
        result["processes"] = [*h.pids(), SELF]
        if args.long:
            long = await run_long(
                h,
                args.long,
                args.long_batch,
                args.long_inflight,
                args.long_window,
                args.settle,
                args.idle_seconds,
                log=say,
            )
            result["long"] = long.as_json()
            result["load_average_at_end"] = round(os.getloadavg()[0], 1)
            return
        say(
            f"idle: {clients} clients registered; settling {args.settle:.0f} s after the "
            f"last trade, then measuring CPU for {args.idle_seconds:.0f} s"
        )
        await asyncio.sleep(args.settle)
        # With the bench's Kafka tap reading: the burn taken out of every scenario's CPU
        # per order (the tap reads during the scenarios too).
        idle = (await measure_idle(with_self(h.pids()), args.idle_seconds)).cpu_percent
        result["idle_cpu_percent_with_tap"] = with_platform_total(idle)
        async with h.tap.paused():  # the platform alone
            usage = await measure_idle(with_self(h.pids()), args.idle_seconds)
            result["idle_cpu_percent"] = with_platform_total(usage.cpu_percent)
            # prices still: nothing trades AND nothing ticks (no P&L to re-mark and publish)
            (await h.sim.post("/sim/walk", json={"paused": True})).raise_for_status()
            await asyncio.sleep(5)  # the last ticks' conflated P&L flushes within a second
            quiet = await measure_idle(with_self(h.pids()), args.idle_seconds)
            (await h.sim.post("/sim/walk", json={"paused": False})).raise_for_status()
            result["idle_cpu_percent_quiet_market"] = with_platform_total(quiet.cpu_percent)
        result["idle"] = {
            "clients": clients,
            "settle_s": args.settle,
            "window_s": args.idle_seconds,
        }
        whole = Sampler(with_self(h.pids()))
        whole.start()
        wanted = 0 if "direct" in args.skip else max(args.fanout)
        if "baseline" not in args.skip:
            wanted = max(wanted, min(clients, args.baseline_max))
        brokers: list[MotilalClient] = []
        if wanted:
            say(f"logging {wanted} clients in at the simulator for the direct and naive runs")
            brokers, http = await log_in_clients(
                h.stack.simulator_url, wanted, connections=max(100, args.direct_concurrency)
            )
            closing.push_async_callback(http.aclose)
        for latency in args.latencies:
            await h.set_latency(latency)
            if brokers and "direct" not in args.skip:
                # The floor first, on a quiet machine: its orders do not cross the platform.
                waited = await wait_quiet(h.pids(), idle)
                for size in args.fanout:
                    say(
                        f"direct: {size} clients x {args.direct_runs}, "
                        f"{args.direct_concurrency} in flight, simulator latency {latency} ms"
                        + (
                            f" (after {waited:.0f} s for the platform to go quiet)"
                            if waited
                            else ""
                        )
                    )
                    direct = await run_direct(
                        brokers[:size], args.direct_runs, latency, args.direct_concurrency
                    )
                    result["direct"].append(direct.as_json())
                    waited = 0
            if "fanout" not in args.skip:
                for i, size in enumerate(args.fanout):
                    runs = args.runs[min(i, len(args.runs) - 1)]
                    say(f"fan-out: {size} clients x {runs} runs, simulator latency {latency} ms")
                    fan = await run_fanout(
                        h,
                        size,
                        runs,
                        latency,
                        warmup=1 if size <= 100 else 0,
                        idle=idle,
                        tail_s=args.tail,
                    )
                    result["fanout"].append(fan.as_json())
            if brokers and "baseline" not in args.skip:
                for size in args.fanout:
                    if size > min(len(brokers), args.baseline_max):
                        continue
                    runs = 1 if size >= 1000 else 2
                    say(f"naive loop: {size} clients x {runs}, simulator latency {latency} ms")
                    base = await run_baseline(brokers[:size], runs, latency)
                    result["baseline"].append(base.as_json())
        await h.set_latency(0)
        if "overhead" not in args.skip:
            pool = h.clients[:100]
            for rate in args.rates:
                say(f"single-order overhead at {rate:.0f} orders/s for {args.seconds:.0f} s")
                load = await run_load(
                    h, single_orders(h, pool), rate, args.seconds, 1, idle=idle, tail_s=args.tail
                )
                result["overhead"].append({**load.as_json(), "simulator_latency_ms": 0.0})
        if "throughput" not in args.skip:
            await h.set_latency(args.ramp_latency)
            pool = h.clients[:100]
            first_p99 = None
            for rate in args.ramp:
                say(
                    f"throughput: {rate:.0f} orders/s (execute-all x {len(pool)}), "
                    f"simulator latency {args.ramp_latency} ms"
                )
                load = await run_load(
                    h,
                    batches(h, pool),
                    rate / len(pool),
                    args.seconds,
                    len(pool),
                    idle=idle,
                    tail_s=args.tail,
                )
                step = {**load.as_json(), "simulator_latency_ms": args.ramp_latency}
                result["throughput"].append(step)
                p99 = load.to_simulator.p99_ms
                first_p99 = first_p99 or p99
                degraded = []
                if load.achieved_per_s < 0.8 * load.offered_per_s:
                    degraded.append(f"achieved {load.achieved_per_s:.0f}/s < 80 % of offered")
                if p99 > 3 * first_p99 and p99 > 1000:
                    degraded.append(f"p99 POST->sim {p99:.0f} ms > 3x the first step's")
                if degraded:
                    busiest = max(step["cpu_percent"].items(), key=lambda kv: kv[1])
                    result["throughput_knee"] = (
                        f"at {rate:.0f} orders/s: {'; '.join(degraded)}; busiest process "
                        f"{busiest[0]} at {busiest[1]:.0f} % CPU"
                    )
                    break
            else:
                result["throughput_knee"] = "not reached within the ramp"
            await h.set_latency(0)
        if "quotes" not in args.skip:
            say(f"quote fan-out: {args.sockets} sockets, {args.ticks:.0f} ticks/s")
            try:
                quotes = await run_quotes(
                    h, args.sockets, args.ticks, args.seconds, args.quote_tokens,
                    args.tokens_per_socket,
                )  # fmt: skip
                result["quotes"] = quotes.as_json()
            except Exception as error:  # the quote path is young: report, do not abort
                result["quotes"] = {"gap": f"quote fan-out did not run: {error!r}"}
        usage = await whole.stop()
        result["memory_mb"] = usage.rss_mb
        result["cpu_percent_whole_run"] = usage.cpu_percent
        if not {"fanout", "overhead", "throughput"} <= args.skip:
            # Idle again once the scenarios traded: the warm-up's one aligned batch hides
            # work that grows with the day's trading (conflation windows drifting apart).
            say(f"idle after the scenarios: settling {args.settle:.0f} s, then measuring")
            await asyncio.sleep(args.settle)
            async with h.tap.paused():
                after = await measure_idle(with_self(h.pids()), args.idle_seconds)
            result["idle_cpu_percent_after_trading"] = with_platform_total(after.cpu_percent)
        result["load_average_at_end"] = round(os.getloadavg()[0], 1)
    finally:
        await closing.aclose()
        await h.stop()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv, __doc__)
    folder = Path(tempfile.mkdtemp(prefix="bench-"))
    result = new_result(args)
    status = 0
    try:
        asyncio.run(bench(args, folder, result))
    except (Exception, KeyboardInterrupt) as error:
        result["notes"].append(f"the run stopped early ({error!r}): figures so far only")
        status = 1
    finally:
        if args.keep:
            say(f"state and logs kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    text = report.render(result)
    path = report.write(result, args.results)
    print("\n" + text + f"\n\nwritten to {path} (and latest.json)", flush=True)
    return status


if __name__ == "__main__":
    sys.exit(main())
