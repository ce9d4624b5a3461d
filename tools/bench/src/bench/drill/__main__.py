"""`python -m bench.drill`: fault drills on the embedded stack, printed as PASS/FAIL lines.

  dlq    malformed records on every consumed topic: dead-lettered, consumers keep going
  down   the broker (simulator) down for --down-s seconds mid-batch
  kills  kill -9 of order-router, broker-adapter and portfolio during a stream of batches
         while the broker injects timeouts, 5xx and lost responses (--orders in all)
  replicas  two processes each of order-router, broker-adapter and portfolio; one of each
         killed (kill -9) during a stream of batches: nothing lost or doubled, per-client
         order kept, positions equal the broker's
  outages  the embedded PostgreSQL, then Redis, killed (kill -9) and restarted during a
         stream of batches: nothing lost or doubled, no 5xx outside the outage windows
         (503 with Retry-After inside), broker sessions working again on their own
  fuzz   schemathesis over the gateway's OpenAPI, authenticated (run last: it changes state)

`--short` is the CI form (what tests/drills runs). Exit status 1 when any check fails.
Every option also reads DRILL_<OPTION> from the environment.
"""

import argparse
import asyncio
import os
import shutil
import sys
import tempfile
import time
from pathlib import Path

from bench.drill.run import DRILLS, DrillPlan, DrillRun


def parse(argv: list[str] | None) -> argparse.Namespace:
    env = os.environ.get
    p = argparse.ArgumentParser(
        prog="python -m bench.drill",
        description=__doc__,
        formatter_class=argparse.RawDescriptionHelpFormatter,
    )
    p.add_argument("--short", action="store_true", default=env("DRILL_SHORT") == "1")
    p.add_argument(
        "--only",
        default=env("DRILL_ONLY", ",".join(DRILLS)),
        help=f"comma-separated drills, run in this order: {','.join(DRILLS)}",
    )
    p.add_argument("--orders", type=int, default=int(env("DRILL_ORDERS", "5000")))
    p.add_argument("--clients", type=int, default=int(env("DRILL_CLIENTS", "100")))
    p.add_argument("--down-s", type=float, default=float(env("DRILL_DOWN_S", "30")))
    p.add_argument("--keep", action="store_true", help="keep the temp state folder (logs)")
    return p.parse_args(argv)


async def _main(args: argparse.Namespace, folder: Path) -> bool:
    plan = (
        DrillPlan.short() if args.short else DrillPlan.full(args.orders, args.clients, args.down_s)
    )
    wanted = [d.strip() for d in args.only.split(",") if d.strip()]
    chosen = [d for d in DRILLS if d in wanted]
    run = DrillRun(plan, folder, say)
    try:
        await run.start()
        for drill in chosen:
            await run.run(drill)
    finally:
        await run.stop()
    print("\nDrill summary", flush=True)
    ok = True
    for drill, checks in run.checks.items():
        for check in checks:
            ok &= check.passed
            print(f"[{drill}] {check.line()}", flush=True)
    missing = [d for d in chosen if d not in run.checks]
    for drill in missing:
        print(f"[{drill}] FAIL  did not complete", flush=True)
    return ok and not missing


def say(text: str) -> None:
    print(f"[{time.strftime('%H:%M:%S')}] {text}", flush=True)


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    folder = Path(tempfile.mkdtemp(prefix="drill-"))
    try:
        ok = asyncio.run(_main(args, folder))
    finally:
        if args.keep:
            say(f"state, logs and reports kept in {folder}")
        else:
            shutil.rmtree(folder, ignore_errors=True)
    return 0 if ok else 1


if __name__ == "__main__":
    sys.exit(main())
