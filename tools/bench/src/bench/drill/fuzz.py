"""Drill (d): schemathesis fuzzes the gateway's OpenAPI, authenticated as the admin.

Checks: no 5xx (`not_a_server_error`) and every answer matches the documented schema
(`response_schema_conformance`). Run last: the fuzzer calls every operation, including
ones that change state (kill switch, users, clients). The dashboard and auth-logout
operations are fuzzed like any other. A JUnit report lands in the state folder.
"""

import asyncio
import re
import shutil
import sys
import time
from pathlib import Path

from bench.drill.checks import Check
from bench.harness import Harness

CHECKS = "not_a_server_error,response_schema_conformance"
FOLLOWED_LOGS = ("gateway", "order-router", "portfolio", "market-data", "broker-adapter")


async def run_fuzz_drill(
    h: Harness, max_examples: int, folder: Path, max_time_s: float | None = None
) -> list[Check]:
    token = await h.login()
    st = shutil.which("st", path=str(Path(sys.executable).parent)) or "st"
    report = folder / "schemathesis-junit.xml"
    args = [
        st,
        "run",
        f"{h.stack.url_of('gateway')}/openapi.json",
        "--header",
        f"Authorization: Bearer {token}",
        "--checks",
        CHECKS,
        "--max-examples",
        str(max_examples),
        "--phases",
        "examples,coverage,fuzzing",
        # one worker: Python 3.11's ast is not thread-safe, and hypothesis parses lambdas
        # while it generates ("AST constructor recursion depth mismatch" with two)
        "--workers",
        "1",
        "--seed",
        "7",
        "--request-timeout",
        "60",
        "--suppress-health-check",
        "all",
        "--no-color",
        "--generation-database",
        "none",
        "--report",
        "junit",
        "--report-junit-path",
        str(report),
        # logging out revokes the token every other call relies on
        "--exclude-path-regex",
        "/auth/(logout|refresh)",
    ]
    if max_time_s:
        args += ["--max-time", str(int(max_time_s))]
    started = time.monotonic()
    sizes = _log_sizes(h)
    process = await asyncio.create_subprocess_exec(
        *args, stdout=asyncio.subprocess.PIPE, stderr=asyncio.subprocess.STDOUT, cwd=folder
    )
    output, _ = await process.communicate()
    text = output.decode(errors="replace")
    (folder / "schemathesis.log").write_text(text)
    summary = _summary(text)
    failures = _failures(text)
    if process.returncode != 0:
        failures += _warnings_since(h, sizes)
    return [
        Check(
            "API fuzz (schemathesis): no 5xx, no schema violations",
            process.returncode == 0,
            f"{summary} in {time.monotonic() - started:.0f} s (exit {process.returncode}); "
            f"log {folder / 'schemathesis.log'}",
            failures,
            shown=len(failures),
        )
    ]


def _summary(text: str) -> str:
    for line in reversed(text.splitlines()):
        if re.search(r"\d+ (passed|failed|errors?)", line) or "test cases" in line:
            return line.strip(" =")
    return "no summary printed"


def _failures(text: str) -> list[str]:
    """schemathesis's FAILURES section as it printed it: each failing case, its status,
    the answer's body and the curl line that reproduces it."""
    out: list[str] = []
    inside = False
    for line in text.splitlines():
        stripped = line.strip()
        if re.fullmatch(r"=+ (FAILURES) =+", stripped):
            inside = True
        elif re.fullmatch(r"=+ [A-Z ]+ =+", stripped):
            inside = False
        elif inside and stripped:
            out.append(stripped)
    return out[:40]


def _log_sizes(h: Harness) -> dict[str, int]:
    return {name: len(h.stack.log_of(name)) for name in FOLLOWED_LOGS}


def _warnings_since(h: Harness, sizes: dict[str, int]) -> list[str]:
    """What the gateway and its peers logged at WARNING or above while the fuzzer ran: a
    5xx names its cause there (an outage, a peer's refusal, a traceback)."""
    out = []
    for name, size in sizes.items():
        for line in h.stack.log_of(name)[size:].splitlines():
            if re.search(r'"level": "(WARNING|ERROR|CRITICAL)"|^Traceback|Error\b', line):
                out.append(f"{name}: {line[:400]}")
    return out[:20]
