"""A broker read is stamped when it was asked, not when it was answered: an order the broker
acknowledged while the read was on its way may be missing from it, so the read must not
look newer than that order (accounts/snapshots.py, accounts/margins.py)."""

import asyncio
from collections.abc import Awaitable, Callable
from datetime import datetime

import pytest
from broker_adapter.accounts.margins import margin_snapshot
from broker_adapter.accounts.snapshots import positions_snapshot
from common.contracts.accounts import BrokerPositionsSnapshot, MarginSnapshot
from common.contracts.envelope import utc_now
from motilal.models import Margins, Position


class SlowBroker:
    """Answers every read 50 ms after it was asked, and notes when."""

    answered_at: datetime | None = None

    async def _answer(self) -> None:
        await asyncio.sleep(0.05)
        self.answered_at = utc_now()

    async def margin_detail(self) -> Margins:
        await self._answer()
        return Margins(rows=())

    async def positions(self) -> list[Position]:
        await self._answer()
        return []


@pytest.mark.parametrize("read", [margin_snapshot, positions_snapshot])
async def test_a_broker_read_is_stamped_when_asked(
    read: Callable[..., Awaitable[MarginSnapshot | BrokerPositionsSnapshot]],
) -> None:
    broker = SlowBroker()
    asked = utc_now()
    snapshot = await read("C1", broker)
    assert broker.answered_at is not None
    assert asked <= snapshot.taken_at < broker.answered_at
