"""The benchmark's arithmetic and table: floor ratios, CPU per order, long-run windows."""

import itertools
from typing import Any

from bench.long import window_starts
from bench.report import render
from bench.resources import PLATFORM, Usage, net_cpu_ms_per_order

PROCESSES = ["postgres", "kafka", "motilal-sim", "gateway", "bench"]


def _summary(p50_ms: float) -> dict[str, Any]:
    return {"n": 1, "p50_ms": p50_ms, "p99_ms": p50_ms, "max_ms": p50_ms}


def _fanout(clients: int, ack_ms: float) -> dict[str, Any]:
    return {
        "clients": clients,
        "simulator_latency_ms": 0.0,
        "runs": 1,
        "post_answered": _summary(10),
        "last_ack_at_simulator": _summary(ack_ms),
        "last_ack_event": _summary(ack_ms),
        "last_filled_event": _summary(ack_ms),
        "last_portfolio_update": _summary(ack_ms),
        "statuses": {"FILLED": clients},
        "cpu_ms_per_order": {"kafka": 3.0, "gateway": 1.0, PLATFORM: 4.0},
    }


def _direct(clients: int, ms: float) -> dict[str, Any]:
    return {
        "clients": clients,
        "simulator_latency_ms": 0.0,
        "runs": 3,
        "concurrency": 64,
        "first_call_to_last_ack": _summary(ms),
        "errors": 0,
    }


def test_report_prints_platform_over_direct_for_every_fanout_size() -> None:
    result = {
        "started_at": "2026-11-30T09:00:00+00:00",
        "machine": "2 cores",
        "processes": PROCESSES,
        "fanout": [_fanout(10, 40.0), _fanout(1000, 3000.0)],
        "direct": [_direct(10, 20.0), _direct(1000, 1500.0)],
        "baseline": [
            {
                "clients": 10,
                "simulator_latency_ms": 0.0,
                "runs": 2,
                "first_call_to_last_ack": _summary(80.0),
            },
        ],
    }
    lines = render(result).splitlines()
    ten = next(line for line in lines if line.startswith("10 "))
    thousand = next(line for line in lines if line.startswith("1000 "))
    assert "platform/direct" in render(result) and "64 in flight" in render(result)
    assert ten.split().count("2.0x") == 2  # 40 / 20 over the floor; naive 80 / 40
    assert "2.0x" in thousand.split() and thousand.rstrip().endswith("-")  # no naive at 1000


def test_report_prints_where_the_time_goes_when_the_tap_saw_the_hops() -> None:
    staged = {
        **_fanout(10, 120.0),
        "last_request_published": _summary(15.0),
        "last_command_published": _summary(60.0),
    }
    result = {
        "started_at": "2026-11-30T09:00:00+00:00",
        "machine": "2 cores",
        "processes": PROCESSES,
        "fanout": [staged],
    }
    text = render(result)
    assert "where the time goes" in text
    hops = text.splitlines()[
        text.splitlines().index(
            next(line for line in text.splitlines() if "where the time goes" in line)
        )
        + 3
    ]
    assert hops.split()[:5] == ["10", "0", "15.0", "/", "15.0"]
    assert "60.0" in hops.split() and "120" in hops.split()
    # a result from before the tap's hops were kept renders without the breakdown
    assert "where the time goes" not in render({**result, "fanout": [_fanout(10, 120.0)]})


def test_net_cpu_per_order_takes_out_idle_and_totals_only_the_platform() -> None:
    usage = Usage(
        cpu_seconds={"kafka": 3.0, "gateway": 1.0, "motilal-sim": 5.0, "bench": 2.0},
        wall_seconds=10.0,
    )
    idle = {"kafka": 10.0, "gateway": 0.0, "motilal-sim": 20.0, "bench": 0.0}
    net = net_cpu_ms_per_order(usage, idle, orders=1000)
    assert net["kafka"] == 2.0  # 3 s - 10 % of 10 s, over 1,000 orders
    assert net["motilal-sim"] == 3.0
    assert net[PLATFORM] == 3.0  # kafka + gateway; the broker and the load generator are not it


def test_long_run_windows_are_the_first_each_tenth_and_the_last_without_overlap() -> None:
    starts = window_starts(total_batches=1000, per_window=10)
    assert starts[0] == 0 and starts[-1] == 990 and len(starts) == 11
    assert all(b - a >= 10 for a, b in itertools.pairwise(starts))
    assert window_starts(total_batches=15, per_window=10) == [0]


def test_report_prints_idle_cpu_with_prices_ticking_and_still() -> None:
    result = {
        "started_at": "2026-11-30T09:00:00+00:00",
        "machine": "2 cores",
        "processes": PROCESSES,
        "idle": {"clients": 1000, "settle_s": 60.0, "window_s": 10.0},
        "idle_cpu_percent": {"kafka": 30.0, "gateway": 2.0, PLATFORM: 32.0},
        "idle_cpu_percent_quiet_market": {"kafka": 4.0, "gateway": 0.5, PLATFORM: 4.5},
    }
    lines = render(result).splitlines()
    ticking = next(line for line in lines if line.startswith("prices ticking"))
    still = next(line for line in lines if line.startswith("prices still"))
    assert ticking.split()[-3:] == ["30.0", "2.0", "32.0"]
    assert still.split()[-3:] == ["4.0", "0.5", "4.5"]
