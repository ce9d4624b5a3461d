"""Waiting for a positive signal: the one way the integration tests wait."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import date, datetime, time, timedelta
from typing import Any, TypeVar

from common.trading_days import IST

T = TypeVar("T")


async def wait_for(
    probe: Callable[[], Awaitable[T | None]], seconds: float = 90, what: str = "a condition"
) -> T:
    """Poll `probe` until it returns something truthy and return that; fail naming `what`
    and the last answer at the deadline."""
    loop = asyncio.get_running_loop()
    deadline = loop.time() + seconds
    last: Any = None
    while loop.time() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"timed out after {seconds:.0f} s waiting for {what}; last: {last!r}")


async def clear_of_ist_midnight(seconds: float = 120) -> date:
    """The IST trading date a test's orders will carry, waiting first when IST midnight is
    under `seconds` away: orders placed before it and read back after it belong to
    yesterday's trading day, a fact of the calendar, not a fault (CI can run at 00:00 IST)."""
    now = datetime.now(IST)
    midnight = datetime.combine(now.date() + timedelta(days=1), time(0), IST)
    if (midnight - now).total_seconds() < seconds:
        await asyncio.sleep((midnight - now).total_seconds() + 1)
    return datetime.now(IST).date()
