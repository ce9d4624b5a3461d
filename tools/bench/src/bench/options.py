"""The command line of `python -m bench`: every option, each also read from BENCH_<OPTION>."""

import argparse
import os
from pathlib import Path

from bench import report


def _ints(text: str) -> list[int]:
    return [int(x) for x in text.split(",") if x.strip()]


def _floats(text: str) -> list[float]:
    return [float(x) for x in text.split(",") if x.strip()]


def parse(argv: list[str] | None, description: str | None) -> argparse.Namespace:
    """The options of `python -m bench` (`description`: its --help text)."""
    env = os.environ.get
    p = argparse.ArgumentParser(
        prog="python -m bench",
        description=description,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument(
        "--fanout",
        type=_ints,
        default=_ints(env("BENCH_FANOUT", "10,100,1000")),
        help="batch sizes (clients) of the fan-out runs",
    )
    p.add_argument(
        "--runs",
        type=_ints,
        default=_ints(env("BENCH_RUNS", "5,3,1")),
        help="runs per batch size (last value repeats)",
    )
    p.add_argument(
        "--latencies",
        type=_floats,
        default=_floats(env("BENCH_LATENCIES", "0,50")),
        help="simulator latencies (ms) to run fan-out and baseline at",
    )
    p.add_argument(
        "--baseline-max",
        type=int,
        default=int(env("BENCH_BASELINE_MAX", "1000")),
        help="largest batch the naive loop is run for",
    )
    p.add_argument(
        "--direct-concurrency",
        type=int,
        default=int(env("BENCH_DIRECT_CONCURRENCY", "64")),
        help="orders in flight in the direct fan-out (the floor)",
    )
    p.add_argument(
        "--direct-runs",
        type=int,
        default=int(env("BENCH_DIRECT_RUNS", "3")),
        help="runs of the direct fan-out per batch size and latency",
    )
    p.add_argument(
        "--settle",
        type=float,
        default=float(env("BENCH_SETTLE", "60")),
        help="seconds after the last trade before idle CPU is measured",
    )
    p.add_argument(
        "--idle-seconds",
        type=float,
        default=float(env("BENCH_IDLE_SECONDS", "10")),
        help="length of the idle CPU measurement",
    )
    p.add_argument(
        "--tail",
        type=float,
        default=float(env("BENCH_TAIL", "2")),
        help="seconds CPU is still counted after a scenario's last order ended",
    )
    p.add_argument(
        "--long",
        type=int,
        default=int(env("BENCH_LONG", "0")),
        metavar="N",
        help="run only the long run: N orders as execute-all batches (e.g. 100000)",
    )
    p.add_argument(
        "--long-batch",
        type=int,
        default=int(env("BENCH_LONG_BATCH", "100")),
        help="clients per execute-all in the long run",
    )
    p.add_argument(
        "--long-inflight",
        type=int,
        default=int(env("BENCH_LONG_INFLIGHT", "2")),
        help="execute-all batches in flight in the long run",
    )
    p.add_argument(
        "--long-window",
        type=int,
        default=int(env("BENCH_LONG_WINDOW", "1000")),
        help="orders per measured window of the long run (first, each tenth, last)",
    )
    p.add_argument(
        "--rates",
        type=_floats,
        default=_floats(env("BENCH_RATES", "50,200")),
        help="steady single-order rates (orders/s) for the overhead figures",
    )
    p.add_argument(
        "--seconds",
        type=float,
        default=float(env("BENCH_SECONDS", "8")),
        help="duration of each steady-rate step",
    )
    p.add_argument(
        "--ramp",
        type=_floats,
        default=_floats(env("BENCH_RAMP", "100,200,400,800,1600")),
        help="throughput steps (orders/s), as execute-all over 100 clients",
    )
    p.add_argument("--ramp-latency", type=float, default=float(env("BENCH_RAMP_LATENCY", "50")))
    p.add_argument("--sockets", type=int, default=int(env("BENCH_SOCKETS", "100")))
    p.add_argument(
        "--ticks",
        type=float,
        default=float(env("BENCH_TICKS", "1000")),
        help="quote ticks per second, spread over --quote-tokens",
    )
    p.add_argument(
        "--quote-tokens",
        type=int,
        default=int(env("BENCH_QUOTE_TOKENS", "50")),
        help="tokens the ticks move (at most 50)",
    )
    p.add_argument(
        "--tokens-per-socket",
        type=int,
        default=int(env("BENCH_TOKENS_PER_SOCKET", "5")),
        help="tokens each WebSocket watches",
    )
    p.add_argument(
        "--skip",
        default=env("BENCH_SKIP", ""),
        help="comma-separated parts to skip: fanout,direct,baseline,overhead,throughput,quotes",
    )
    p.add_argument(
        "--env",
        action="append",
        default=[],
        metavar="NAME=VALUE",
        help="extra environment for every service (A/B a setting), repeatable",
    )
    p.add_argument(
        "--results",
        type=Path,
        default=Path(env("BENCH_RESULTS", str(report.RESULTS))),
        help="folder of the JSON results (a trial run can write elsewhere than latest.json)",
    )
    p.add_argument("--keep", action="store_true", help="keep the temp state folder (logs)")
    args = p.parse_args(argv)
    args.env = dict(e.split("=", 1) for e in args.env)
    args.skip = {s.strip() for s in args.skip.split(",") if s.strip()}
    return args
