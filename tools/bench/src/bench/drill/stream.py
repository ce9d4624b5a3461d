"""What the kill drills share: a stream of execute-all batches, and a service (or replica)
killed at a moment of it and started again."""

import asyncio
import time
from dataclasses import dataclass, field

from bench.harness import Harness


@dataclass
class Stream:
    batch_ids: list[str] = field(default_factory=list)
    accepted: int = 0
    """Orders in the batches the gateway accepted."""
    refused: int = 0
    """Batches the gateway did not accept."""


async def stream_batches(h: Harness, clients: list[str], batches: int, interval_s: float) -> Stream:
    """`batches` execute-alls over `clients`, BUY and SELL alternating, one every
    `interval_s` seconds (one share of SBIN each)."""
    stream = Stream()
    started = time.monotonic()
    for i in range(batches):
        await asyncio.sleep(max(0.0, started + i * interval_s - time.monotonic()))
        batch = await h.execute_all(clients, "BUY" if i % 2 == 0 else "SELL")
        if batch is None:
            stream.refused += 1
            continue
        stream.batch_ids.append(batch["batch_id"])
        stream.accepted += len(batch["orders"])
    return stream


async def kill_and_restart(
    h: Harness, victim: str, at: float, down_s: float, started: float, log: list[str]
) -> None:
    """kill -9 `victim` `at` seconds after `started` (monotonic), start it again `down_s`
    later, and say both in `log`."""
    await asyncio.sleep(max(0.0, started + at - time.monotonic()))
    h.stack.kill(victim)
    log.append(f"killed {victim} at {time.monotonic() - started:.1f} s")
    await asyncio.sleep(down_s)
    await h.stack.restart(victim)
    log.append(f"{victim} ready again at {time.monotonic() - started:.1f} s")
