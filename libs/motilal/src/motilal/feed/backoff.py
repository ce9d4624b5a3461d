"""Reconnect delays: exponential, capped, with jitter so many clients do not reconnect at once."""

import random
from dataclasses import dataclass, field


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
