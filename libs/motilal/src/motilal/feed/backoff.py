"""Reconnect delays: exponential, capped, with jitter so many clients do not reconnect at once."""

import asyncio
import logging
import random
from dataclasses import dataclass, field

import websockets

CONNECTION_LOST = (OSError, TimeoutError, websockets.WebSocketException)
"""What ends a feed's connection; the feed reconnects after the next delay."""


@dataclass
class Backoff:
    initial: float = 0.5
    maximum: float = 30.0
    factor: float = 2.0
    jitter: float = 0.2
    """Fraction of the delay added at random."""
    attempt: int = field(default=0, init=False)

    def next_delay(self) -> float:
        base = min(self.maximum, self.initial * self.factor**self.attempt)
        self.attempt += 1
        return base * (1 + random.uniform(0, self.jitter))

    def reset(self) -> None:
        self.attempt = 0

    async def pause(self, log: logging.Logger, what: str, error: BaseException) -> None:
        """Say that `what` was lost and why, then wait the next delay before reconnecting."""
        delay = self.next_delay()
        log.warning("%s lost (%s); reconnecting in %.1fs", what, type(error).__name__, delay)
        await asyncio.sleep(delay)
