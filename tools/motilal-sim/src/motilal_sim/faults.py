"""Injected trouble: latency, hangs, 5xx, 429, lost or unreadable responses, Motilal's own
"technical error" answers (MO8000, MO5000-MO5003) and whole-server downtime.

The dice are seeded, so a seeded run injects the same faults on the same calls. `limit`
caps how many faults are injected in all (e.g. one MO8000 on the first login only).
"""

import random
import time
from enum import StrEnum

from pydantic import BaseModel, Field

from motilal_sim.config import SimSettings


class Fault(StrEnum):
    NONE = "none"
    TIMEOUT = "timeout"
    ERROR_5XX = "5xx"
    LOST_RESPONSE = "lost_response"
    RATE_429 = "429"
    BROKER_ERROR = "broker_error"
    """The call is done (an order may exist), then answered FAILURE with `broker_error_code`."""
    GARBLED = "garbled"
    """The call is done, then answered HTTP 200 with a body that is not JSON."""


WORK_THEN_FAULT = frozenset({Fault.LOST_RESPONSE, Fault.BROKER_ERROR, Fault.GARBLED})
"""Faults drawn before the call but applied to its answer: the work itself happens."""


class FaultConfig(BaseModel):
    """Probabilities in [0, 1]; `endpoints` limits them to some endpoint names (blank: all)."""

    timeout: float = Field(0.0, ge=0, le=1)
    timeout_seconds: float = Field(30.0, ge=0)
    error_5xx: float = Field(0.0, ge=0, le=1)
    lost_response: float = Field(0.0, ge=0, le=1)
    rate_429: float = Field(0.0, ge=0, le=1)
    broker_error: float = Field(0.0, ge=0, le=1)
    broker_error_code: str = Field("MO8000", pattern=r"^MO\d{4}$")
    """MO8000 (technical error) or MO5000-MO5003 (connectivity), as Motilal answers them."""
    garbled: float = Field(0.0, ge=0, le=1)
    limit: int | None = Field(None, ge=0)
    """At most this many faults in all (blank: no cap)."""
    latency_ms: float = Field(0.0, ge=0)
    latency_jitter_ms: float = Field(0.0, ge=0)
    endpoints: list[str] = Field(default_factory=list)

    @classmethod
    def from_settings(cls, s: SimSettings) -> "FaultConfig":
        return cls(
            timeout=s.fault_timeout,
            timeout_seconds=s.fault_timeout_seconds,
            error_5xx=s.fault_5xx,
            lost_response=s.fault_lost_response,
            latency_ms=s.latency_ms,
            latency_jitter_ms=s.latency_jitter_ms,
            endpoints=[e.strip() for e in s.fault_endpoints.split(",") if e.strip()],
        )


class FaultInjector:
    def __init__(self, config: FaultConfig, seed: int) -> None:
        self._config = config
        self._rng = random.Random(seed * 7919 + 1)
        self._down_until = 0.0
        self.drawn = 0
        """Faults injected since the config was last set (counts toward `limit`)."""

    @property
    def config(self) -> FaultConfig:
        return self._config

    @config.setter
    def config(self, config: FaultConfig) -> None:
        self._config = config
        self.drawn = 0

    def reseed(self, seed: int) -> None:
        self._rng = random.Random(seed * 7919 + 1)

    def take_down(self, seconds: float) -> None:
        self._down_until = time.monotonic() + seconds

    @property
    def down(self) -> bool:
        return time.monotonic() < self._down_until

    def latency(self) -> float:
        c = self.config
        jitter = self._rng.uniform(0, c.latency_jitter_ms) if c.latency_jitter_ms else 0.0
        return (c.latency_ms + jitter) / 1000

    def draw(self, endpoint: str) -> Fault:
        c = self.config
        if c.endpoints and endpoint not in c.endpoints:
            return Fault.NONE
        if c.limit is not None and self.drawn >= c.limit:
            return Fault.NONE
        roll = self._rng.random()
        for fault, chance in (
            (Fault.TIMEOUT, c.timeout),
            (Fault.ERROR_5XX, c.error_5xx),
            (Fault.LOST_RESPONSE, c.lost_response),
            (Fault.RATE_429, c.rate_429),
            (Fault.BROKER_ERROR, c.broker_error),
            (Fault.GARBLED, c.garbled),
        ):
            if roll < chance:
                self.drawn += 1
                return fault
            roll -= chance
        return Fault.NONE
