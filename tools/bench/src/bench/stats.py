"""Percentiles and summaries of latency samples (seconds in, milliseconds out)."""

import math
from collections.abc import Sequence
from dataclasses import asdict, dataclass
from typing import Any


def percentile(samples: Sequence[float], q: float) -> float:
    """The q-th percentile (0-100) by the nearest-rank method; nan when there are none."""
    if not samples:
        return math.nan
    ordered = sorted(samples)
    rank = max(1, math.ceil(q / 100 * len(ordered)))
    return ordered[rank - 1]


@dataclass(frozen=True)
class Summary:
    n: int
    p50_ms: float
    p99_ms: float
    max_ms: float

    @classmethod
    def of(cls, seconds: Sequence[float]) -> "Summary":
        ms = [s * 1000 for s in seconds]
        return cls(
            n=len(ms),
            p50_ms=round(percentile(ms, 50), 1),
            p99_ms=round(percentile(ms, 99), 1),
            max_ms=round(max(ms), 1) if ms else math.nan,
        )

    def as_json(self) -> dict[str, Any]:
        return {
            k: (None if isinstance(v, float) and math.isnan(v) else v)
            for k, v in asdict(self).items()
        }


def ms(value: float | None) -> str:
    """A figure for the table: milliseconds with sensible precision, '-' when absent."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "-"
    if value >= 10_000:
        return f"{value / 1000:.1f} s"
    if value >= 100:
        return f"{value:.0f}"
    return f"{value:.1f}"
