"""Kafka handlers: order events and portfolio updates become quote interest (idempotent)."""

from collections.abc import Callable, Sequence

import asyncpg
from common.consumers import of_types
from common.contracts.envelope import Message
from common.contracts.order_events import (
    Fill,
    OrderCanceled,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderRejected,
    OrderSubmitted,
)
from common.contracts.portfolio import PositionChanged
from common.enums import PositionStatus

from market_data.quotes import store_interest
from market_data.quotes.store_interest import OrderChange, PositionChange

_ENDS = (OrderDenied, OrderRejected, OrderFilled, OrderCanceled, OrderExpired)

ORDER_EVENTS_READ = of_types(OrderSubmitted, Fill, *_ENDS)
"""The order events that open or close interest; the rest are committed unread."""
PORTFOLIO_UPDATES_READ = of_types(PositionChanged)
"""Positions only: P&L updates (one per holder per second while prices move) are skipped."""


def order_changes(messages: Sequence[Message]) -> list[OrderChange]:
    changes: list[OrderChange] = []
    for m in messages:
        if isinstance(m, _ENDS):
            changes.append(OrderChange(m.order_id, open=False))
        elif isinstance(m, OrderSubmitted | Fill):
            inst = m.instrument
            changes.append(OrderChange(m.order_id, True, inst.exchange, inst.token))
    return changes


def position_changes(messages: Sequence[Message]) -> list[PositionChange]:
    return [
        PositionChange(
            m.position_id,
            m.exchange,
            m.token,
            open=m.status == PositionStatus.ACTIVE and m.net_quantity != 0,
        )
        for m in messages
        if isinstance(m, PositionChanged)
    ]


class InterestHandlers:
    def __init__(
        self, pool: Callable[[], asyncpg.Pool], on_change: Callable[[], None] = lambda: None
    ) -> None:
        self._pool = pool
        self._on_change = on_change
        """Told after a write committed, so the feed's subscriptions follow at once."""

    async def on_order_events(self, messages: Sequence[Message]) -> None:
        changes = order_changes(messages)
        if changes:
            await store_interest.apply_order_changes(self._pool(), changes)
            self._on_change()

    async def on_portfolio_updates(self, messages: Sequence[Message]) -> None:
        changes = position_changes(messages)
        if changes:
            await store_interest.apply_position_changes(self._pool(), changes)
            self._on_change()
