"""The order as the OMS keeps it, and how the adapter's events change it (pure, no I/O).

Every status change goes through the transition table (`transitions.next_status`); an
event the table refuses raises `IllegalTransition` and leaves the order as it was.
"""

from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import datetime
from decimal import Decimal
from typing import Any

from common.contracts.envelope import utc_now
from common.contracts.instruments import Instrument
from common.contracts.order_events import (
    Fill,
    OrderAccepted,
    OrderCanceled,
    OrderChangeRejected,
    OrderEvent,
    OrderFilled,
    OrderModified,
    OrderPartiallyFilled,
    OrderRejected,
)
from common.enums import ExecutionType, OrderStatus, OrderType, Side, TradeType
from common.views import OrderView

from order_router.risk import RuleCheck
from order_router.transitions import (
    Ev,
    IllegalTransition,
    can_cancel,
    can_modify,
    fill_event,
    is_terminal,
    next_status,
)


@dataclass(frozen=True)
class Order:
    order_id: str
    batch_id: str
    client_id: str
    instrument: Instrument
    execution_type: ExecutionType
    side: Side | None
    order_type: OrderType
    trade_type: TradeType
    quantity: int
    price: Decimal | None
    trigger_price: Decimal | None
    tag: str | None
    status: OrderStatus
    actor: str
    correlation_id: str
    rule: str | None = None
    reason: str | None = None
    risk_notes: tuple[str, ...] = ()
    filled_quantity: int = 0
    average_price: Decimal | None = None
    broker_order_id: str | None = None
    sent_order_type: OrderType | None = None
    sent_price: Decimal | None = None
    protected: bool = False
    amo: bool = False
    """An after-market order: sent with amoorder Y, Motilal queues it for the next open."""
    parent_order_id: str | None = None
    """A freeze-quantity slice: the order it was cut from (slices.py)."""
    slice_count: int = 0
    """A sliced order's number of slices: it is never sent itself, its slices are."""
    leg: int | None = None
    """A basket's leg number, in the order the client's legs go out (baskets.py)."""
    waits_for: str | None = None
    """A basket leg held until this order (the client's first leg) trades."""
    risk_checks: tuple[RuleCheck, ...] = ()
    """Each risk rule's outcome when risk decided it (the dry run shows them; not stored)."""
    created_at: datetime = field(default_factory=utc_now)
    updated_at: datetime = field(default_factory=utc_now)

    def to(self, event: Ev, **changes: Any) -> "Order":
        """This order after `event`: new status from the table, plus `changes`."""
        status = next_status(
            self.status, event, filled_quantity=changes.get("filled_quantity", self.filled_quantity)
        )
        return replace(self, status=status, updated_at=utc_now(), **changes)

    @property
    def terminal(self) -> bool:
        return is_terminal(self.status)

    @property
    def modifiable(self) -> bool:
        """The transition table allows a modify now."""
        return can_modify(self.status)

    @property
    def cancelable(self) -> bool:
        """The transition table allows a cancel now."""
        return can_cancel(self.status)

    def view(self) -> OrderView:
        """The read API's view of the order."""
        return OrderView.model_validate(self, from_attributes=True)

    def as_json(self) -> dict[str, Any]:
        """The read API's view of the order as JSON (money as strings, times ISO 8601 UTC)."""
        return self.view().as_json()


Refused = list[tuple[Order, IllegalTransition]]
"""Orders the table did not let an event move, each with the refusal (for the caller's log)."""


def moved(orders: Iterable[Order], event: Ev) -> tuple[list[Order], Refused]:
    """Each order after `event`, in order; one the table refuses stays out of the first list."""
    done: list[Order] = []
    refused: Refused = []
    for order in orders:
        try:
            done.append(order.to(event))
        except IllegalTransition as refusal:
            refused.append((order, refusal))
    return done, refused


def cancels_asked(orders: Iterable[Order]) -> tuple[list[Order], Refused]:
    """The orders with a cancel asked, in order: moved to PENDING_CANCEL, or already there (a
    redelivery: the cancel command is sent again, the adapter dedupes it)."""
    asked: list[Order] = []
    refused: Refused = []
    for order in orders:
        if order.status is OrderStatus.PENDING_CANCEL:
            asked.append(order)
            continue
        done, no = moved([order], Ev.REQUEST_CANCEL)
        asked += done
        refused += no
    return asked, refused


EVENT_KINDS: dict[str, Ev] = {
    "order.accepted": Ev.ACCEPTED,
    "order.rejected": Ev.REJECTED,
    "order.partially_filled": Ev.PARTIALLY_FILLED,
    "order.filled": Ev.FILLED,
    "order.canceled": Ev.CANCELED,
    "order.modified": Ev.MODIFIED,
    "order.change_rejected": Ev.CHANGE_REJECTED,
}
"""The adapter's events the router applies. Its own (submitted, denied, expired) it wrote."""


def apply_event(order: Order, event: OrderEvent) -> Order:
    """The order after one adapter event (a fill must already be known to be new)."""
    kind = EVENT_KINDS[event.type]
    if isinstance(event, OrderAccepted):
        return order.to(
            kind,
            broker_order_id=event.broker_order_id,
            sent_order_type=event.sent_order_type,
            sent_price=event.sent_price,
            protected=event.protected,
        )
    if isinstance(event, OrderRejected):
        return order.to(kind, reason=f"{event.error_code}: {event.reason}")
    if isinstance(event, OrderPartiallyFilled | OrderFilled):
        filled = _filled(order, event)
        return order.to(fill_event(filled["filled_quantity"], order.quantity), **filled)
    if isinstance(event, OrderCanceled):
        return order.to(kind, reason=event.reason or order.reason)
    if isinstance(event, OrderModified):
        return order.to(
            kind,
            order_type=event.order_type,
            quantity=event.quantity,
            price=event.price,
            trigger_price=event.trigger_price,
        )
    if isinstance(event, OrderChangeRejected):
        return order.to(
            kind, reason=f"{event.change} refused by the broker: {event.error_code} {event.reason}"
        )
    raise ValueError(f"the router does not apply {event.type} events")


def _filled(order: Order, fill: Fill) -> dict[str, Any]:
    total = order.filled_quantity + fill.quantity
    paid = (order.average_price or Decimal(0)) * order.filled_quantity + fill.price * fill.quantity
    return {"filled_quantity": total, "average_price": (paid / total).quantize(Decimal("0.0001"))}
