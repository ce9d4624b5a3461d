"""Publishes order events on orders.events.v1 (keyed by client_id) and counts them."""

from collections.abc import Sequence
from typing import Any

from common.contracts.order_events import OrderEvent
from common.kafka import Publisher
from common.topics import ORDER_EVENTS

from broker_adapter.execution.intents import Intent
from broker_adapter.metrics import METRICS


def envelope_of(intent: Intent) -> dict[str, Any]:
    """Envelope fields for an event the broker caused on its own (a fill, a cancel...):
    same correlation (the batch) and actor as the place command, caused by it."""
    return {
        "correlation_id": intent.correlation_id,
        "causation_id": intent.causation_id,
        "actor": intent.actor,
        "order_id": intent.order_id,
        "client_id": intent.client_id,
    }


class Emitter:
    def __init__(self, publisher: Publisher) -> None:
        self._publisher = publisher

    async def emit(self, event: OrderEvent) -> None:
        await self.emit_many([event])

    async def emit_many(self, events: Sequence[OrderEvent]) -> None:
        """Sends the events together and returns once Kafka has all of them."""
        if not events:
            return
        await self._publisher.publish_many(ORDER_EVENTS, events)
        for event in events:
            METRICS.events.labels(event.type).inc()
