"""Messages the router writes: commands to the adapter and its own order events.

Event ids are derived from what they describe (uuid5 of the order id and the step), so a
message re-published after a crash or a redelivered request carries the same event id and
downstream consumers drop the copy.
"""

import uuid
from typing import Any

from common.contracts.commands import CancelOrder, ModifyOrder, PlaceOrder
from common.contracts.envelope import Message
from common.contracts.order_events import (
    OrderDenied,
    OrderEvent,
    OrderExpired,
    OrderSubmitted,
)
from common.contracts.order_updates import OrderUpdated

from order_router.orders import Order

_NAMESPACE = uuid.UUID("5b0c1a7e-58c1-4b3c-9f6e-0a4f3c2d1e10")


def derived_id(*parts: str) -> str:
    return uuid.uuid5(_NAMESPACE, ":".join(parts)).hex


def _envelope(order: Order, cause: Message | None, step: str) -> dict[str, object]:
    return {
        "event_id": derived_id(order.order_id, step),
        "correlation_id": cause.correlation_id if cause else order.correlation_id,
        "causation_id": cause.event_id if cause else None,
        "actor": cause.actor if cause else order.actor,
    }


def order_terms(order: Order) -> dict[str, Any]:
    """What the order asks of the broker, as the place command, the submitted event and the
    risk check each carry it: instrument, side, type, product, quantity and prices."""
    assert order.side is not None, "a submitted order always has a side"
    return {
        "instrument": order.instrument,
        "side": order.side,
        "order_type": order.order_type,
        "trade_type": order.trade_type,
        "quantity": order.quantity,
        "price": order.price,
        "trigger_price": order.trigger_price,
    }


def place_command(order: Order, cause: Message | None) -> PlaceOrder:
    return PlaceOrder(
        **_envelope(order, cause, "place"),
        order_id=order.order_id,
        client_id=order.client_id,
        **order_terms(order),
        amo=order.amo,
    )


def submitted_event(order: Order, cause: Message | None) -> OrderSubmitted:
    return OrderSubmitted(
        **_envelope(order, cause, "submitted"),
        order_id=order.order_id,
        client_id=order.client_id,
        batch_id=order.batch_id,
        **order_terms(order),
    )


def denied_event(order: Order, cause: Message | None) -> OrderDenied:
    return OrderDenied(
        **_envelope(order, cause, "denied"),
        order_id=order.order_id,
        client_id=order.client_id,
        batch_id=order.batch_id,
        rule=order.rule or "unknown",
        reason=order.reason or "",
    )


def expired_event(order: Order, day: str) -> OrderExpired:
    return OrderExpired(
        event_id=derived_id(order.order_id, "expired", day),
        correlation_id=order.correlation_id,
        actor="order-router",
        order_id=order.order_id,
        client_id=order.client_id,
        filled_quantity=order.filled_quantity,
    )


def updated_event(order: Order, event: OrderEvent) -> OrderUpdated:
    """The order's status after `event`, for the live feeds (one per event applied)."""
    return OrderUpdated(
        event_id=derived_id(event.event_id, "updated"),
        **event.caused(),
        order_id=order.order_id,
        client_id=order.client_id,
        batch_id=order.batch_id,
        status=order.status,
        quantity=order.quantity,
        filled_quantity=order.filled_quantity,
        updated_at=order.updated_at,
        event=event,
    )


def modify_command(order: Order, cause: Message) -> ModifyOrder:
    """The order's pending change, as the adapter needs it (the full new terms)."""
    return ModifyOrder(
        event_id=derived_id(cause.event_id, "modify"),
        **cause.caused(),
        order_id=order.order_id,
        client_id=order.client_id,
        instrument=order.instrument,
        order_type=order.order_type,
        quantity=order.quantity,
        price=order.price,
        trigger_price=order.trigger_price,
    )


def cancel_command(order: Order, cause: Message) -> CancelOrder:
    return CancelOrder(
        event_id=derived_id(order.order_id, "cancel", cause.event_id),
        **cause.caused(),
        order_id=order.order_id,
        client_id=order.client_id,
    )
