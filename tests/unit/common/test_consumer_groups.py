"""Consumers registered as one group member must agree on how that member fetches."""

from collections.abc import Sequence

import pytest
from common.consumers import Consumer, subscribe
from common.contracts.envelope import Message
from common.settings import ServiceSettings
from common.topics import ORDER_EVENTS, PORTFOLIO_UPDATES
from faststream.kafka import KafkaBroker


async def _handler(batch: Sequence[Message]) -> None:
    return None


def test_one_member_with_two_gather_windows_is_refused() -> None:
    consumers = [
        Consumer(ORDER_EVENTS, "g", _handler),
        Consumer(PORTFOLIO_UPDATES, "g", _handler, gather_ms=50),
    ]
    with pytest.raises(ValueError, match="gather window"):
        subscribe(KafkaBroker("127.0.0.1:1"), ServiceSettings(), "test", consumers)


def test_one_member_with_one_gather_window_is_registered() -> None:
    broker = KafkaBroker("127.0.0.1:1")
    consumers = [
        Consumer(ORDER_EVENTS, "g", _handler, gather_ms=50),
        Consumer(PORTFOLIO_UPDATES, "g", _handler, gather_ms=50),
    ]
    subscribe(broker, ServiceSettings(), "test", consumers)
    assert len(broker.subscribers) == 1
