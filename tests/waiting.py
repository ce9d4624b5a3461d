"""Waiting for a positive signal: the one way the integration tests wait."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any, TypeVar

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
