"""The benchmark's plain-text table and its JSON file (bench/results/<UTC stamp>.json + latest)."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

from bench.resources import PLATFORM
from bench.stats import ms

RESULTS = Path(__file__).resolve().parents[4] / "bench" / "results"


def table(header: Sequence[str], rows: Sequence[Sequence[str]]) -> str:
    widths = [max(len(str(r[i])) for r in [header, *rows]) for i in range(len(header))]
    line = "  ".join("-" * w for w in widths)
    out = ["  ".join(str(c).ljust(w) for c, w in zip(header, widths, strict=True)), line]
    out += ["  ".join(str(c).ljust(w) for c, w in zip(r, widths, strict=True)) for r in rows]
    return "\n".join(out)


def _pair(summary: dict[str, Any]) -> str:
    return f"{ms(summary.get('p50_ms'))} / {ms(summary.get('p99_ms'))}"


def _ratio(numerator: dict[str, Any], denominator: dict[str, Any]) -> str:
    """p50 over p50, as '2.1x'; '-' when either is missing."""
    top, bottom = numerator.get("p50_ms"), denominator.get("p50_ms")
    return f"{top / bottom:.1f}x" if top and bottom else "-"


def _long(long: dict[str, Any]) -> list[str]:
    windows = long["windows"]
    names = [n for n in windows[0]["cpu_ms_per_order"]] if windows else []
    rows = [
        [
            str(w["first_order"]),
            f"{w['orders_per_s'] or 0:.0f}",
            _pair(w["batch_post_to_last_end"]),
            *[f"{w['cpu_ms_per_order'].get(n, 0):.1f}" for n in names],
        ]
        for w in windows
    ]
    idle_rows = [
        [when, *[f"{long[key].get(n, 0):.1f}" for n in names]]
        for when, key in (
            ("before", "idle_cpu_percent_before"),
            ("after", "idle_cpu_percent_after"),
        )
        if key in long
    ]
    return [
        f"6. Long run: {long['orders']} orders as execute-all over {long['batch_clients']} "
        f"clients, {long['inflight_batches']} in flight, in {long['seconds']:.0f} s "
        f"({long['refused_batches']} batches refused, {long['unfinished_orders']} orders "
        "unfinished)",
        "   per window: orders/s, batch POST->last end (p50 / p99), "
        "CPU ms per order per process (idle subtracted):",
        table(["from order", "orders/s", "batch", *names], rows),
        "   idle CPU % per process before and after the feed:",
        table(["", *names], idle_rows),
        f"   platform CPU per order, last window / first: "
        f"{long.get('platform_cpu_per_order_last_over_first', '-')}; platform idle CPU, "
        f"after / before: {long.get('platform_idle_cpu_after_over_before', '-')} "
        "(target: within 1.2)",
    ]


def render(result: dict[str, Any]) -> str:
    parts = [
        f"Benchmark {result['started_at']}  ({result['machine']}; "
        f"{result.get('load_average_at_end', '-')} at the end)"
    ]
    if result.get("parameters", {}).get("env"):
        parts.append(f"service environment: {result['parameters']['env']}")
    parts.append("times in ms as p50 / p99 over the runs (n); s = seconds")
    fanout = result.get("fanout", [])
    if fanout:
        rows = []
        baseline = {
            (b["clients"], b["simulator_latency_ms"]): b for b in result.get("baseline", [])
        }
        direct = {(d["clients"], d["simulator_latency_ms"]): d for d in result.get("direct", [])}
        for f in fanout:
            size = (f["clients"], f["simulator_latency_ms"])
            base, floor = baseline.get(size), direct.get(size)
            ack = f["last_ack_at_simulator"]
            rows.append(
                [
                    str(f["clients"]),
                    f"{f['simulator_latency_ms']:.0f}",
                    str(f["runs"]),
                    _pair(f["post_answered"]),
                    _pair(ack),
                    _pair(f["last_ack_event"]),
                    _pair(f["last_filled_event"]),
                    _pair(f["last_portfolio_update"]),
                    _pair(floor["first_call_to_last_ack"]) if floor else "-",
                    _ratio(ack, floor["first_call_to_last_ack"]) if floor else "-",
                    _pair(base["first_call_to_last_ack"]) if base else "-",
                    _ratio(base["first_call_to_last_ack"], ack) if base else "-",
                ]
            )
        parts += [
            "",
            "1. Batch fan-out (execute-all, MARKET, 1 share each): from the POST to ...",
            table(
                [
                    "clients",
                    "sim ms",
                    "n",
                    "202 answer",
                    "last ack @sim",
                    "last ack event",
                    "last FILLED",
                    "last portfolio",
                    "direct",
                    "platform/direct",
                    "naive loop",
                    "naive/platform",
                ],
                rows,
            ),
        ]
        stages = [f for f in fanout if f.get("last_command_published")]
        if stages:
            parts += [
                "   where the time goes, from the POST to the last order's ... (the hops: gateway, "
                "order-router, broker-adapter):",
                table(
                    ["clients", "sim ms", "request published", "command published", "ack @sim"],
                    [
                        [
                            str(f["clients"]),
                            f"{f['simulator_latency_ms']:.0f}",
                            _pair(f["last_request_published"]),
                            _pair(f["last_command_published"]),
                            _pair(f["last_ack_at_simulator"]),
                        ]
                        for f in stages
                    ],
                ),
            ]
        concurrency = {d["concurrency"] for d in result.get("direct", [])}
        if concurrency:
            parts.append(
                f"   direct: the same orders straight at the simulator with libs/motilal, "
                f"{', '.join(map(str, sorted(concurrency)))} in flight (the floor); "
                "platform/direct is last ack @sim over direct (p50), 1.0x = the floor"
            )
        # Below ~100 orders the idle burn taken out outweighs the orders' own cost: noise.
        costs = [f for f in fanout if f.get("cpu_ms_per_order") and f["clients"] * f["runs"] >= 100]
        if costs:
            names = [*result["processes"], PLATFORM]
            parts += [
                "   CPU ms per order per process, idle subtracted (platform = its own processes; "
                "runs of 100 orders or more):",
                table(
                    ["clients", "sim ms", *names],
                    [
                        [str(f["clients"]), f"{f['simulator_latency_ms']:.0f}"]
                        + [f"{f['cpu_ms_per_order'].get(p, 0):.1f}" for p in names]
                        for f in costs
                    ],
                ),
            ]
    for title, key in (
        ("2. Single-order overhead (POST /orders/place, steady rate)", "overhead"),
        ("3. Sustained throughput (execute-all over 100 clients, rising rate)", "throughput"),
    ):
        loads = result.get(key, [])
        if not loads:
            continue
        rows = []
        for load in loads:
            hops = load["hops"]
            rows.append(
                [
                    f"{load['offered_orders_per_s']:.0f}",
                    f"{load['achieved_orders_per_s']:.0f}",
                    f"{load.get('simulator_latency_ms', 0):.0f}",
                    str(load["orders"]),
                    _pair(load["post_to_simulator"]),
                    _pair(hops["gateway"]),
                    _pair(hops["router"]),
                    _pair(hops["adapter"]),
                    _pair(hops["broker"]),
                    str(load["unfinished_orders"] + load["refused_requests"]),
                ]
            )
        parts += [
            "",
            title,
            table(
                [
                    "offered/s",
                    "achieved/s",
                    "sim ms",
                    "orders",
                    "POST->sim",
                    "gateway",
                    "router",
                    "adapter",
                    "sim->ack",
                    "lost/refused",
                ],
                rows,
            ),
        ]
        net = all("net_cpu_ms_per_order" in load for load in loads)
        names = [*result["processes"], PLATFORM] if net else result["processes"]
        field = "net_cpu_ms_per_order" if net else "cpu_ms_per_order"
        cost_rows = [
            [f"{load['offered_orders_per_s']:.0f}"]
            + [f"{load[field].get(p, 0):.1f}" for p in names]
            for load in loads
        ]
        parts += [
            "   CPU ms per order per process"
            + (", idle subtracted" if net else "")
            + " (robust to other load on the machine):",
            table(["offered/s", *names], cost_rows),
        ]
        if key == "throughput":
            parts.append(f"   knee: {result.get('throughput_knee', '-')}")
            cpu_rows = [
                [f"{load['offered_orders_per_s']:.0f}"]
                + [f"{load['cpu_percent'].get(p, 0):.0f}" for p in result["processes"]]
                for load in loads
            ]
            parts += [
                "   CPU % per process (100 = one core) at each rate:",
                table(["offered/s", *result["processes"]], cpu_rows),
            ]
    quotes = result.get("quotes")
    if quotes:
        if quotes.get("gap"):
            parts += ["", f"4. Quote fan-out: GAP - {quotes['gap']}"]
        else:
            parts += [
                "",
                "4. Quote fan-out (simulator feed -> market-data -> Kafka -> gateway /ws)",
                table(
                    [
                        "sockets",
                        "tokens",
                        "ticks sent/s",
                        "quotes delivered/s (all sockets)",
                        "delivered share",
                        "tick->socket p50 / p99",
                    ],
                    [
                        [
                            str(quotes["sockets"]),
                            str(quotes["tokens"]),
                            f"{quotes['ticks_sent_per_s']:.0f}",
                            f"{quotes['quotes_delivered_per_s_all_sockets']:.0f}",
                            f"{quotes['delivered_share']:.2f}",
                            _pair(quotes["tick_to_socket"]),
                        ]
                    ],
                ),
            ]
    idle = result.get("idle_cpu_percent")
    if idle:
        how = result.get("idle")
        title = (
            f"CPU % per process with the platform idle ({how['clients']} clients registered, "
            f"{how['window_s']:.0f} s measured {how['settle_s']:.0f} s after the last trade)"
            if how
            else "CPU % per process with the platform idle (5 s, nothing traded)"
        )
        rows = [["prices ticking", *(f"{v:.1f}" for v in idle.values())]]
        for label, key in (
            ("prices still", "idle_cpu_percent_quiet_market"),
            ("ticking, after all", "idle_cpu_percent_after_trading"),
            ("ticking, tap on", "idle_cpu_percent_with_tap"),
        ):
            other = result.get(key)
            if other:
                rows.append([label, *(f"{other.get(k, 0.0):.1f}" for k in idle)])
        parts += ["", title, table(["market", *idle], rows)]
        if result.get("idle_cpu_percent_with_tap"):
            parts.append(
                "   (the bench's Kafka tap paused, but for the last row: the burn taken out "
                "of each scenario's CPU per order, as the tap reads during the scenarios)"
            )
    memory = result.get("memory_mb")
    if memory:
        parts += [
            "",
            "5. Memory (peak RSS, MB) per process over the whole run",
            table(list(memory), [[f"{v:.0f}" for v in memory.values()]]),
        ]
    long = result.get("long")
    if long:
        parts += ["", *_long(long)]
    for note in result.get("notes", []):
        parts.append(f"note: {note}")
    return "\n".join(parts)


def write(result: dict[str, Any], folder: Path = RESULTS) -> Path:
    folder.mkdir(parents=True, exist_ok=True)
    stamp = datetime.now(UTC).strftime("%Y%m%dT%H%M%SZ")
    path = folder / f"bench-{stamp}.json"
    text = json.dumps(result, indent=2, default=str)
    path.write_text(text)
    (folder / "latest.json").write_text(text)
    return path
