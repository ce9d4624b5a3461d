"""Which tokens the feed subscribes to, under its limit (no I/O).

Priority, highest first: tokens of open positions (P&L must stay live), tokens of open
orders (the price band and the desk's view of working orders), then tokens frontends watch,
most recently asked first. Past the feed's limit the lowest-priority tokens are left out
and counted, never silently.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from common.enums import Exchange

FeedKey = tuple[Exchange, int]


@dataclass(frozen=True, slots=True)
class Selection:
    chosen: list[FeedKey]
    left_out: list[FeedKey]


def select(
    positions: Iterable[FeedKey],
    orders: Iterable[FeedKey],
    watched: Iterable[FeedKey],
    limit: int,
) -> Selection:
    ordered = list(dict.fromkeys([*positions, *orders, *watched]))
    return Selection(chosen=ordered[:limit], left_out=ordered[limit:])
