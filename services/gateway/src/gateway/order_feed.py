"""Order and batch updates for the live hub, from orders.updates.v1.

Every gateway replica reads the topic with its OWN consumer group (from the latest
offset), so each replica sees every update and can push it to the sockets it holds.

Channels:
- `orders:{client_id}`: one message per order change (conflated per order id);
- `batch:{batch_id}`: the same order messages (conflated per order id) plus a `batch`
  summary with counts by status (conflated to the latest). A new subscriber first gets
  the batch as the order-router has it, then the changes.

The status pushed is the order-router's (its transition table set it before publishing
the update): the gateway never derives a status from an event.
"""

import logging
from collections import Counter, OrderedDict
from collections.abc import Sequence
from datetime import datetime
from typing import Any

from common.contracts.envelope import Message
from common.contracts.order_events import (
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderChangeRejected,
    OrderDenied,
    OrderEvent,
    OrderModified,
    OrderRejected,
)
from common.contracts.order_updates import OrderUpdated
from common.enums import OrderStatus
from common.service import ServiceRuntime
from common.topics import ORDER_UPDATES

from gateway import metrics
from gateway.live import Hub, consume_live
from gateway.peers import peers_of
from gateway.router_client import RouterClient
from gateway.router_views import BatchView

log = logging.getLogger(__name__)


class BatchBook:
    """Recent batches' order statuses, to push counts (bounded: oldest batches forgotten).

    An update older than the one held for its order (by the router's `updated_at`) does
    not replace it: the submitted update can arrive after the broker's ack."""

    def __init__(self, max_batches: int = 500) -> None:
        self.batches: OrderedDict[str, dict[str, tuple[OrderStatus, datetime | None]]] = (
            OrderedDict()
        )
        self.max_batches = max_batches

    def seed(self, batch_id: str, statuses: dict[str, OrderStatus]) -> None:
        """The router's view of a batch, for orders no update has told of yet."""
        book = self._book(batch_id)
        for order_id, status in statuses.items():
            book.setdefault(order_id, (status, None))

    def update(self, update: OrderUpdated) -> OrderStatus:
        book = self._book(update.batch_id)
        held = book.get(update.order_id)
        if held is None or held[1] is None or held[1] <= update.updated_at:
            book[update.order_id] = (update.status, update.updated_at)
        return book[update.order_id][0]

    def counts(self, batch_id: str) -> dict[str, int]:
        statuses = Counter(status.value for status, _ in self._book(batch_id).values())
        return dict(sorted(statuses.items()))

    def _book(self, batch_id: str) -> dict[str, tuple[OrderStatus, datetime | None]]:
        if batch_id in self.batches:
            self.batches.move_to_end(batch_id)
            return self.batches[batch_id]
        book: dict[str, tuple[OrderStatus, datetime | None]] = {}
        self.batches[batch_id] = book
        while len(self.batches) > self.max_batches:
            self.batches.popitem(last=False)
        return book


def order_message(event: OrderEvent, batch_id: str, status: OrderStatus | None) -> dict[str, Any]:
    data: dict[str, Any] = {
        "order_id": event.order_id,
        "client_id": event.client_id,
        "batch_id": batch_id,
        "event": event.type,
        "status": status.value if status else None,
        "occurred_at": event.occurred_at.isoformat(),
    }
    if isinstance(event, OrderDenied):
        data |= {"rule": event.rule, "reason": event.reason}
    elif isinstance(event, OrderRejected):
        data |= {"reason": f"{event.error_code}: {event.reason}"}
    elif isinstance(event, OrderAccepted):
        data |= {"broker_order_id": event.broker_order_id, "protected": event.protected}
    elif isinstance(event, Fill):
        data |= {
            "trade_no": event.trade_no,
            "fill_quantity": event.quantity,
            "fill_price": str(event.price),
            "filled_quantity": event.filled_quantity,
            "leaves_quantity": event.leaves_quantity,
        }
    elif isinstance(event, OrderCanceled):
        data |= {"filled_quantity": event.filled_quantity, "reason": event.reason}
    elif isinstance(event, OrderChangeRejected):
        data |= {"change": event.change, "reason": f"{event.error_code}: {event.reason}"}
    elif isinstance(event, OrderModified):
        data |= {"quantity": event.quantity, "price": None if event.price is None else str(
            event.price)}  # fmt: skip
    return data


class OrderFeed:
    def __init__(self, hub: Hub) -> None:
        self.hub = hub
        self.book = BatchBook()

    async def handle(self, messages: Sequence[Message]) -> None:
        for update in messages:
            if isinstance(update, OrderUpdated):
                self.push(update)

    def push(self, update: OrderUpdated) -> None:
        batch_id, event = update.batch_id, update.event
        status = self.book.update(update)
        if isinstance(event, OrderAccepted):
            metrics.accepted(batch_id)
        message = order_message(event, batch_id, status)
        self.hub.publish(f"orders:{event.client_id}", event.order_id, _wrap(
            f"orders:{event.client_id}", "order", message))  # fmt: skip
        channel = f"batch:{batch_id}"
        if self.hub.has_subscribers(channel):
            self.hub.publish(channel, event.order_id, _wrap(channel, "order", message))
            summary = {"batch_id": batch_id, "counts": self.book.counts(batch_id)}
            self.hub.publish(channel, "", _wrap(channel, "batch", summary))

    def seed_batch(self, batch: BatchView) -> list[tuple[str, dict[str, Any]]]:
        """Take the router's view of a batch; returns what a new subscriber gets first."""
        batch_id = batch.batch_id
        self.book.seed(batch_id, {o.order_id: o.status for o in batch.orders})
        channel = f"batch:{batch_id}"
        summary = {
            "batch_id": batch_id,
            "counts": self.book.counts(batch_id),
            "batch": batch.as_json(),
        }
        return [("", _wrap(channel, "batch", summary))]


def _wrap(channel: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"channel": channel, "type": kind, "data": data}


def install(runtime: ServiceRuntime, hub: Hub) -> OrderFeed:
    """Register the `orders` and `batch` channel kinds and this replica's event consumer."""
    feed = OrderFeed(hub)
    router = RouterClient(peers_of(runtime).router)

    async def batch_snapshot(batch_id: str) -> list[tuple[str, dict[str, Any]]]:
        batch = await router.batch(batch_id)
        return feed.seed_batch(batch) if batch else []

    hub.add_kind("orders", "every order change of one client; id = client_id")
    hub.add_kind(
        "batch",
        "a batch's counts by status and its orders' changes; id = batch_id",
        snapshot=batch_snapshot,
    )
    consume_live(runtime, ORDER_UPDATES, feed.handle)
    return feed
