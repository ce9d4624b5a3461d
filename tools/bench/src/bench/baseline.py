"""The naive approach, for comparison: one handler calling the broker for each client in turn.

This is what a desk script without the platform does: log every client in once (not timed,
as the platform's sessions are also ready before the market opens), then, when the button
is pressed, place each client's order with libs/motilal one after the other. Timed from
the first call to the last acknowledgement. The order is `broker.protected_order`, the
kind the adapter places for a MARKET order.
"""

import asyncio
import time
from dataclasses import dataclass
from typing import Any

from motilal import MotilalClient, Side

from bench.broker import protected_order
from bench.stats import Summary


@dataclass
class BaselineResult:
    clients: int
    latency_ms: float
    runs: int
    sequential: Summary

    def as_json(self) -> dict[str, Any]:
        return {
            "clients": self.clients,
            "simulator_latency_ms": self.latency_ms,
            "runs": self.runs,
            "first_call_to_last_ack": self.sequential.as_json(),
        }


async def run_baseline(
    clients: list[MotilalClient], runs: int, latency_ms: float
) -> BaselineResult:
    durations = []
    for run in range(runs):
        order = await protected_order(clients[0], Side.BUY if run % 2 == 0 else Side.SELL)
        started = time.time()
        for client in clients:
            await client.place_order(order)
        durations.append(time.time() - started)
        await asyncio.sleep(0.5)
    return BaselineResult(len(clients), latency_ms, runs, Summary.of(durations))
