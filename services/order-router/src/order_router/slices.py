"""Freeze-quantity slicing, pure (no I/O): how an F&O order above its instrument's freeze
quantity is cut, and how the parent shows its slices as one order.

The exchange refuses an F&O order above the contract's quantity freeze, so such an order
becomes a parent with slices of at most the freeze quantity, in whole lots (the last one
takes the rest). Each slice is an order of its own at the broker: it has its own order id
(derived from the parent's, so a redelivered request makes the same slices), its own tag,
its own fills and its own life through the transition table. The parent is never sent: its
filled quantity and average price are its slices' together, its status follows from theirs
(`transitions.parent_status`), and a slice's rejection leaves the others running and is
named in the parent's reason. Slices go out in order on the client's partition, and the
adapter's per-client, per-segment throttle keeps them within the broker's orders a second.
"""

from collections.abc import Sequence
from dataclasses import replace
from decimal import Decimal

from common.contracts.envelope import utc_now
from common.enums import OrderStatus

from order_router.messages import derived_id
from order_router.orders import Order
from order_router.transitions import parent_status

CUTTABLE = frozenset({OrderStatus.PENDING, OrderStatus.SUBMITTED})
"""An order risk let through (SUBMITTED) or a basket leg held for its first leg (PENDING)."""


def slice_sizes(quantity: int, lot_size: int, freeze_quantity: int | None) -> list[int]:
    """Shares per slice: at most the freeze quantity, rounded down to whole lots; the last
    slice takes the rest. One slice (the order as it is) when no freeze applies, or when the
    freeze is below one lot (the broker then judges the order as it is)."""
    if freeze_quantity is None or quantity <= freeze_quantity:
        return [quantity]
    most = freeze_quantity // lot_size * lot_size
    if most <= 0:
        return [quantity]
    full, rest = divmod(quantity, most)
    return [most] * full + ([rest] if rest else [])


def slice_id(parent_id: str, number: int) -> str:
    """The n-th slice's order id (1-based): the same for every delivery of the request."""
    return derived_id(parent_id, "slice", str(number))


def cut(order: Order) -> list[Order]:
    """`[order]`, or `[parent, *slices]` for an order to be sent above its freeze quantity."""
    sizes = slice_sizes(order.quantity, order.instrument.lot_size, order.instrument.freeze_quantity)
    if len(sizes) == 1 or order.status not in CUTTABLE or order.parent_order_id is not None:
        return [order]
    parent = replace(order, slice_count=len(sizes))
    slices = [
        replace(order, order_id=slice_id(order.order_id, n), parent_order_id=order.order_id,
                quantity=size)
        for n, size in enumerate(sizes, start=1)
    ]  # fmt: skip
    return [parent, *slices]


def cut_all(orders: Sequence[Order]) -> list[Order]:
    """Every order, each parent followed by its slices."""
    return [piece for order in orders for piece in cut(order)]


def is_parent(order: Order) -> bool:
    return order.slice_count > 0


def is_sent(order: Order) -> bool:
    """An order the broker sees: a plain order or a slice, never a parent."""
    return order.slice_count == 0


def aggregate(parent: Order, slices: Sequence[Order]) -> Order:
    """The parent as its slices make it: quantity, fills, average price, status and the
    reasons of slices refused (the same object when nothing changed)."""
    ordered = sorted(slices, key=lambda s: s.order_id)
    quantity = sum(s.quantity for s in ordered)  # a slice's modify changes the parent's
    filled = sum(s.filled_quantity for s in ordered)
    paid = sum(((s.average_price or Decimal(0)) * s.filled_quantity for s in ordered), Decimal(0))
    average = (paid / filled).quantize(Decimal("0.0001")) if filled else None
    status = parent_status([s.status for s in ordered], filled, quantity)
    numbered = {s.order_id: n for n, s in enumerate(_by_number(parent, ordered), start=1)}
    reasons = [
        f"slice {numbered[s.order_id]} of {parent.slice_count} {s.status}: {s.reason}"
        for s in ordered
        if s.reason and s.status in (OrderStatus.REJECTED, OrderStatus.DENIED)
    ]
    reason = "; ".join(sorted(reasons)) if reasons else parent.reason
    if (quantity, filled, average, status, reason) == (
        parent.quantity, parent.filled_quantity, parent.average_price, parent.status,
        parent.reason,
    ):  # fmt: skip
        return parent
    return replace(parent, quantity=quantity, filled_quantity=filled, average_price=average,
                   status=status, reason=reason, updated_at=utc_now())  # fmt: skip


def _by_number(parent: Order, slices: Sequence[Order]) -> list[Order]:
    by_id = {s.order_id: s for s in slices}
    ids = [slice_id(parent.order_id, n) for n in range(1, parent.slice_count + 1)]
    return [by_id[i] for i in ids if i in by_id]


def slice_view(parent: Order, slices: Sequence[Order]) -> list[dict[str, object]]:
    """The read API's rows of a parent's slices, in slice order."""
    return [
        {"slice": n, **{k: s.as_json()[k] for k in _SLICE_FIELDS}}
        for n, s in enumerate(_by_number(parent, slices), start=1)
    ]


_SLICE_FIELDS = ("order_id", "quantity", "status", "filled_quantity", "average_price",
                 "broker_order_id", "reason", "price", "sent_price")  # fmt: skip


def resize(parent: Order, slices: Sequence[Order], quantity: int) -> dict[str, int] | str:
    """Each working slice's new quantity for a parent modified to `quantity` shares, or why
    not. Only a decrease is spread (taken from the last slices first; a slice left at what it
    filled is canceled, shown as its filled quantity); an increase would need new slices."""
    if quantity == parent.quantity:
        return {}
    if quantity > parent.quantity:
        return (
            f"a sliced order's quantity cannot grow ({parent.quantity} -> {quantity}): "
            "place another order for the rest"
        )
    if quantity < parent.filled_quantity:
        return f"quantity {quantity} is below the {parent.filled_quantity} already filled"
    excess = parent.quantity - quantity
    changes: dict[str, int] = {}
    for piece in reversed(_by_number(parent, slices)):
        if excess <= 0:
            break
        if piece.status not in _CHANGEABLE:
            continue
        room = piece.quantity - piece.filled_quantity
        take = min(room, excess)
        if take:
            changes[piece.order_id] = piece.quantity - take
            excess -= take
    if excess > 0:
        return f"only {parent.quantity - excess} of the reduction fits the unfilled slices"
    return changes


_CHANGEABLE = frozenset({OrderStatus.ACCEPTED, OrderStatus.PARTIALLY_FILLED})
