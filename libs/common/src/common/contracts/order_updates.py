"""`orders.updates.v1`: each order's status after each event, keyed by client_id.

Written by the order-router only, after its transition table applied the event: readers
(the gateway's live feeds) show `status` as it is and never derive it from the event.
"""

from typing import Literal

from pydantic import Field

from common.contracts.envelope import OrderMessage, UtcDateTime
from common.contracts.order_events import OrderLifecycleEvent
from common.enums import OrderStatus


class OrderUpdated(OrderMessage):
    """One order as the router holds it after `event`. `updated_at` orders two updates of
    the same order (the newer one wins, whatever order they arrive in)."""

    type: Literal["order.updated"] = "order.updated"
    batch_id: str
    status: OrderStatus
    quantity: int = Field(ge=0, description="shares ordered")
    filled_quantity: int = Field(ge=0, description="shares filled so far")
    updated_at: UtcDateTime
    event: OrderLifecycleEvent
