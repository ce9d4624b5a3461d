"""Waiting for a positive signal, the one way the portfolio's tests wait."""

import asyncio
from collections.abc import Awaitable, Callable
from typing import Any


async def until(check: Callable[[], Awaitable[Any]], seconds: float = 60) -> Any:
    """Polls `check` until it answers something truthy, and answers that."""
    deadline = asyncio.get_running_loop().time() + seconds
    last: Any = None
    while asyncio.get_running_loop().time() < deadline:
        last = await check()
        if last:
            return last
        await asyncio.sleep(0.1)
    raise AssertionError(f"condition not met in {seconds} s; last value: {last!r}")
