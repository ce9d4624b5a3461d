"""`python -m bench.floor`: the simulator alone under the direct fan-out, round after round.

Starts the simulator (`python -m motilal_sim`, free port, `--clients` generated accounts),
logs every client in, optionally opens `--streams` order/trade streams (as the adapter
keeps one per client), then places `--rounds` rounds of one order per client at
`--concurrency` in flight, and prints per round the seconds taken and the simulator's CPU
per order. The floor must not move: a simulator whose cost grows with the orders it holds
shows here as later rounds getting slower. Profile it with
`py-spy record --pid <printed pid>` while the rounds run.
"""

import argparse
import asyncio
import contextlib
import sys
import tempfile
import time
from pathlib import Path

import httpx
import psutil
from motilal import MotilalClient, Side
from motilal_sim.testing import run_simulator

from bench.accounts import write_accounts
from bench.broker import log_in_clients
from bench.direct import place_all


def parse(argv: list[str] | None) -> argparse.Namespace:
    p = argparse.ArgumentParser(prog="python -m bench.floor", description=__doc__)
    p.add_argument("--clients", type=int, default=1000, help="orders per round, one per client")
    p.add_argument("--rounds", type=int, default=3)
    p.add_argument("--concurrency", type=int, default=64, help="orders in flight")
    p.add_argument("--streams", type=int, default=0, help="order streams to hold open")
    p.add_argument("--latency", type=float, default=0.0, help="simulator latency, ms")
    p.add_argument("--pause", type=float, default=0.0, help="seconds before the first round")
    p.add_argument(
        "--read-books",
        action="store_true",
        help="after each round, every client reads its order and trade books (as a tracker's "
        "recovery read does)",
    )
    return p.parse_args(argv)


async def _drain(client: MotilalClient, url: str, seen: list[int]) -> None:
    stream = client.order_stream(url)
    try:
        async for _ in stream.updates():
            seen[0] += 1
    finally:
        await stream.close()


async def read_books(clients: list[MotilalClient], concurrency: int) -> float:
    """Every client's order book and trade book, `concurrency` at a time; seconds taken."""
    pending = iter(clients)

    async def worker() -> None:
        for client in pending:
            await client.order_book()
            await client.trade_book()

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(clients))))))
    return time.perf_counter() - started


def _cpu(process: psutil.Process) -> float:
    times = process.cpu_times()
    return float(times.user + times.system)


async def rounds(args: argparse.Namespace, base_url: str, stream_url: str, pid: int) -> None:
    sim, me = psutil.Process(pid), psutil.Process()
    clients, http = await log_in_clients(base_url, args.clients, args.concurrency + 8)
    if args.latency:
        async with httpx.AsyncClient(base_url=base_url) as sim_api:
            faults = (await sim_api.get("/sim/faults")).json()
            faults["latency_ms"] = args.latency
            (await sim_api.put("/sim/faults", json=faults)).raise_for_status()
    seen = [0]
    streams = [asyncio.create_task(_drain(c, stream_url, seen)) for c in clients[: args.streams]]
    print(f"simulator pid {pid}: {len(clients)} clients logged in, {len(streams)} streams")
    await asyncio.sleep(args.pause + (2 if streams else 0))
    try:
        for n in range(1, args.rounds + 1):
            cpu, mine = _cpu(sim), _cpu(me)
            seconds, errors = await place_all(
                clients, Side.BUY if n % 2 else Side.SELL, args.concurrency
            )
            used, own = _cpu(sim) - cpu, _cpu(me) - mine
            print(
                f"round {n}: {len(clients)} orders in {seconds:.2f} s "
                f"({len(clients) / seconds:.0f}/s), CPU ms per order: simulator "
                f"{1000 * used / len(clients):.2f}, this client {1000 * own / len(clients):.2f}; "
                f"{errors} errors, {seen[0]} stream updates so far",
                flush=True,
            )
            if args.read_books:
                cpu = _cpu(sim)
                seconds = await read_books(clients, args.concurrency)
                used = _cpu(sim) - cpu
                print(
                    f"  books: {len(clients)} order + trade book reads in {seconds:.2f} s, "
                    f"simulator CPU {1000 * used / len(clients):.2f} ms per client",
                    flush=True,
                )
            await asyncio.sleep(0.5)
    finally:
        for task in streams:
            task.cancel()
        for task in streams:
            with contextlib.suppress(asyncio.CancelledError, Exception):
                await task
        await http.aclose()


def main(argv: list[str] | None = None) -> int:
    args = parse(argv)
    with tempfile.TemporaryDirectory(prefix="floor-") as folder:
        path, _ = write_accounts(Path(folder), args.clients)
        with run_simulator(accounts=path) as sim:
            asyncio.run(rounds(args, sim.base_url, sim.order_stream_url, sim.pid))
    return 0


if __name__ == "__main__":
    sys.exit(main())
