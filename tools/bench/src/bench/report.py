"""The benchmark's plain-text table and its JSON file (bench/results/<UTC stamp>.json + latest)."""

import json
from collections.abc import Sequence
from datetime import UTC, datetime
from pathlib import Path
from typing import Any

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
        for f in fanout:
            base = baseline.get((f["clients"], f["simulator_latency_ms"]))
            ack = f["last_ack_at_simulator"]
            ratio = "-"
            if base and ack.get("p50_ms"):
                ratio = f"{base['first_call_to_last_ack']['p50_ms'] / ack['p50_ms']:.1f}x"
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
                    _pair(base["first_call_to_last_ack"]) if base else "-",
                    ratio,
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
                    "naive loop",
                    "naive/platform",
                ],
                rows,
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
        cost_rows = [
            [f"{load['offered_orders_per_s']:.0f}"]
            + [f"{load['cpu_ms_per_order'].get(p, 0):.1f}" for p in result["processes"]]
            for load in loads
        ]
        parts += [
            "   CPU ms per order per process (robust to other load on the machine):",
            table(["offered/s", *result["processes"]], cost_rows),
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
        parts += [
            "",
            "CPU % per process with the platform idle (5 s, nothing traded)",
            table(list(idle), [[f"{v:.0f}" for v in idle.values()]]),
        ]
    memory = result.get("memory_mb")
    if memory:
        parts += [
            "",
            "5. Memory (peak RSS, MB) per process over the whole run",
            table(list(memory), [[f"{v:.0f}" for v in memory.values()]]),
        ]
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
