"""The floor: the same orders placed straight at the simulator, `concurrency` in flight.

One process, libs/motilal's `MotilalClient` per account over one pooled HTTP client, a
fixed number of workers each placing the next client's order as soon as its previous one
was answered: as fast as this machine lets one process fan out, with nothing between the
button and the broker. Timed like the naive loop, from the first call to the last
acknowledgement, so `platform / direct` is the platform's cost over the floor.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from motilal import MotilalClient, MotilalError, Side

from bench.broker import protected_order
from bench.stats import Summary


@dataclass
class DirectResult:
    clients: int
    latency_ms: float
    runs: int
    concurrency: int
    first_call_to_last_ack: Summary
    errors: int
    """Calls that failed (refused or unknown outcome): the floor should have none."""

    def as_json(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "simulator_latency_ms": self.latency_ms,
            "runs": self.runs,
            "concurrency": self.concurrency,
            "first_call_to_last_ack": self.first_call_to_last_ack.as_json(),
            "errors": self.errors,
        }


async def place_all(
    clients: list[MotilalClient], side: Side, concurrency: int
) -> tuple[float, int]:
    """Places one order per client with `concurrency` workers; (seconds taken, errors)."""
    order = await protected_order(clients[0], side)
    pending = iter(clients)  # shared: each worker takes the next client when it is free
    errors = 0

    async def worker() -> None:
        nonlocal errors
        for client in pending:
            try:
                await client.place_order(order)
            except MotilalError:
                errors += 1

    started = time.perf_counter()
    await asyncio.gather(*(worker() for _ in range(max(1, min(concurrency, len(clients))))))
    return time.perf_counter() - started, errors


async def run_direct(
    clients: list[MotilalClient], runs: int, latency_ms: float, concurrency: int
) -> DirectResult:
    """`runs` rounds alternating BUY and SELL (positions stay flat), 0.5 s apart."""
    durations, errors = [], 0
    for run in range(runs):
        seconds, failed = await place_all(
            clients, Side.BUY if run % 2 == 0 else Side.SELL, concurrency
        )
        durations.append(seconds)
        errors += failed
        await asyncio.sleep(0.5)
    return DirectResult(len(clients), latency_ms, runs, concurrency, Summary.of(durations), errors)
