"""Injected trouble: latency, hangs, 5xx, lost responses and whole-server downtime.

The dice are seeded, so a seeded run injects the same faults on the same calls.
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


class FaultConfig(BaseModel):
    """Probabilities in [0, 1]; `endpoints` limits them to some endpoint names (blank: all)."""

    timeout: float = Field(0.0, ge=0, le=1)
    timeout_seconds: float = Field(30.0, ge=0)
    error_5xx: float = Field(0.0, ge=0, le=1)
    lost_response: float = Field(0.0, ge=0, le=1)
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
        self.config = config
        self._rng = random.Random(seed * 7919 + 1)
        self._down_until = 0.0

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
        roll = self._rng.random()
        for fault, chance in (
            (Fault.TIMEOUT, c.timeout),
            (Fault.ERROR_5XX, c.error_5xx),
            (Fault.LOST_RESPONSE, c.lost_response),
        ):
            if roll < chance:
                return fault
            roll -= chance
        return Fault.NONE
