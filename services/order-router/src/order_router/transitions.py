"""The order state machine: one explicit table of (state, event) -> next state.

Every change to an order's status goes through `next_status`. A pair that is not in the
table is an illegal transition: it is refused (`IllegalTransition`), logged by the caller,
and never applied. The table is the documentation: read it top to bottom.

Two targets depend on how much of the order has filled when a pending change settles
(a modify that went through, a cancel or modify the broker refused): the order returns to
`WORKING`, which is ACCEPTED when nothing has filled yet and PARTIALLY_FILLED otherwise.

Fills are applied to quantities even on a terminal order (a fill after a cancel is real
money); the table keeps such an order in its terminal state.
"""

from collections.abc import Sequence
from enum import StrEnum
from typing import Final, TypeAlias

from common.enums import OrderStatus as S


class Ev(StrEnum):
    """What can happen to an order, from the router's own decisions and the adapter's events."""

    SUBMIT = "submit"  # pre-trade risk passed, command sent
    DENY = "deny"  # pre-trade risk said no
    ACCEPTED = "order.accepted"
    REJECTED = "order.rejected"
    PARTIALLY_FILLED = "order.partially_filled"
    FILLED = "order.filled"
    REQUEST_MODIFY = "request.modify"
    REQUEST_CANCEL = "request.cancel"
    MODIFIED = "order.modified"
    CHANGE_REJECTED = "order.change_rejected"
    CANCELED = "order.canceled"
    EXPIRE = "expire"


class _Working:
    """Marker: ACCEPTED if nothing filled yet, PARTIALLY_FILLED otherwise."""

    def __repr__(self) -> str:
        return "WORKING"


WORKING: Final = _Working()
Target: TypeAlias = S | _Working

TRANSITIONS: Final[dict[tuple[S, Ev], Target]] = {
    # created, then checked by pre-trade risk
    (S.PENDING, Ev.SUBMIT): S.SUBMITTED,
    (S.PENDING, Ev.DENY): S.DENIED,
    (S.PENDING, Ev.EXPIRE): S.EXPIRED,
    # sent to the adapter, broker has not answered yet
    (S.SUBMITTED, Ev.ACCEPTED): S.ACCEPTED,
    (S.SUBMITTED, Ev.REJECTED): S.REJECTED,
    (S.SUBMITTED, Ev.PARTIALLY_FILLED): S.PARTIALLY_FILLED,  # ack raced by its first trade
    (S.SUBMITTED, Ev.FILLED): S.FILLED,
    (S.SUBMITTED, Ev.CANCELED): S.CANCELED,
    (S.SUBMITTED, Ev.REQUEST_CANCEL): S.PENDING_CANCEL,  # the adapter handles it after the place
    (S.SUBMITTED, Ev.EXPIRE): S.EXPIRED,
    # working at the broker
    (S.ACCEPTED, Ev.PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.ACCEPTED, Ev.FILLED): S.FILLED,
    (S.ACCEPTED, Ev.CANCELED): S.CANCELED,
    (S.ACCEPTED, Ev.REJECTED): S.REJECTED,  # exchange-side rejection after the broker's ack
    (S.ACCEPTED, Ev.REQUEST_MODIFY): S.PENDING_MODIFY,
    (S.ACCEPTED, Ev.REQUEST_CANCEL): S.PENDING_CANCEL,
    (S.ACCEPTED, Ev.MODIFIED): S.ACCEPTED,  # a change made at the broker directly
    (S.ACCEPTED, Ev.EXPIRE): S.EXPIRED,
    (S.PARTIALLY_FILLED, Ev.PARTIALLY_FILLED): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, Ev.FILLED): S.FILLED,
    (S.PARTIALLY_FILLED, Ev.CANCELED): S.CANCELED,
    (S.PARTIALLY_FILLED, Ev.REQUEST_MODIFY): S.PENDING_MODIFY,
    (S.PARTIALLY_FILLED, Ev.REQUEST_CANCEL): S.PENDING_CANCEL,
    (S.PARTIALLY_FILLED, Ev.MODIFIED): S.PARTIALLY_FILLED,
    (S.PARTIALLY_FILLED, Ev.EXPIRE): S.EXPIRED,
    # a modify is on its way
    (S.PENDING_MODIFY, Ev.MODIFIED): WORKING,
    (S.PENDING_MODIFY, Ev.CHANGE_REJECTED): WORKING,
    (S.PENDING_MODIFY, Ev.PARTIALLY_FILLED): S.PENDING_MODIFY,
    (S.PENDING_MODIFY, Ev.FILLED): S.FILLED,
    (S.PENDING_MODIFY, Ev.CANCELED): S.CANCELED,
    (S.PENDING_MODIFY, Ev.REQUEST_CANCEL): S.PENDING_CANCEL,
    (S.PENDING_MODIFY, Ev.EXPIRE): S.EXPIRED,
    # a cancel is on its way
    (S.PENDING_CANCEL, Ev.CANCELED): S.CANCELED,
    (S.PENDING_CANCEL, Ev.CHANGE_REJECTED): WORKING,
    (S.PENDING_CANCEL, Ev.ACCEPTED): S.PENDING_CANCEL,  # the place's ack, cancel still coming
    (S.PENDING_CANCEL, Ev.REJECTED): S.REJECTED,  # the place itself was refused
    (S.PENDING_CANCEL, Ev.PARTIALLY_FILLED): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, Ev.FILLED): S.FILLED,  # filled before the cancel arrived
    (S.PENDING_CANCEL, Ev.MODIFIED): S.PENDING_CANCEL,
    (S.PENDING_CANCEL, Ev.EXPIRE): S.EXPIRED,
    # late fills on a finished order: quantities are applied, the status stays
    (S.CANCELED, Ev.PARTIALLY_FILLED): S.CANCELED,
    (S.CANCELED, Ev.FILLED): S.CANCELED,
    (S.EXPIRED, Ev.PARTIALLY_FILLED): S.EXPIRED,
    (S.EXPIRED, Ev.FILLED): S.EXPIRED,
    (S.EXPIRED, Ev.CANCELED): S.EXPIRED,  # the broker's own end-of-day cancel
}


class IllegalTransition(Exception):
    """The table has no entry for this (state, event): refuse it, log it, apply nothing."""

    def __init__(self, status: S, event: Ev) -> None:
        super().__init__(f"an order in {status} cannot take event {event}")
        self.status = status
        self.event = event


def next_status(status: S, event: Ev, *, filled_quantity: int = 0) -> S:
    """The status after `event`, or IllegalTransition if the table does not allow it."""
    target = TRANSITIONS.get((status, event))
    if target is None:
        raise IllegalTransition(status, event)
    if isinstance(target, _Working):
        return S.PARTIALLY_FILLED if filled_quantity > 0 else S.ACCEPTED
    return target


def fill_event(filled_quantity: int, quantity: int) -> Ev:
    """A trade's event from quantities, not from the adapter's event type (as nautilus does):
    FILLED once the order's quantity is filled, PARTIALLY_FILLED before."""
    return Ev.FILLED if filled_quantity >= quantity else Ev.PARTIALLY_FILLED


def _accepting(event: Ev) -> frozenset[S]:
    return frozenset(status for status, ev in TRANSITIONS if ev is event)


def _finished(status: S) -> bool:
    # no event takes the order anywhere else: late fills leave the status as it is
    return all(target is status for (s, _), target in TRANSITIONS.items() if s is status)


MODIFIABLE_STATUSES: Final = _accepting(Ev.REQUEST_MODIFY)
"""Orders a modify may be asked for (ACCEPTED, PARTIALLY_FILLED)."""
CANCELABLE_STATUSES: Final = _accepting(Ev.REQUEST_CANCEL)
"""Orders a cancel may be asked for; a PENDING_CANCEL one already has its cancel coming."""
TERMINAL_STATUSES: Final = frozenset(s for s in S if _finished(s))
"""Finished orders (DENIED, REJECTED, FILLED, CANCELED, EXPIRED): nothing changes them."""
WORKING_STATUSES: Final = frozenset(
    s for s in S if s not in TERMINAL_STATUSES and s is not S.PENDING
)
"""Orders that may still trade: what a cancel-all or the end-of-day expiry acts on."""


def is_terminal(status: S) -> bool:
    return status in TERMINAL_STATUSES


def is_working(status: S) -> bool:
    return status in WORKING_STATUSES


def can_modify(status: S) -> bool:
    return status in MODIFIABLE_STATUSES


def can_cancel(status: S) -> bool:
    return status in CANCELABLE_STATUSES


def parent_status(slices: Sequence[S], filled_quantity: int, quantity: int) -> S:
    """A sliced order's status, from its slices' (slices.py): the parent is never sent, so no
    event moves it; it is what its slices are together. Filled once every share is; a
    change in flight on any slice shows; while slices work it is working; once all are
    finished and some shares never filled, a cancel or the day's end names the outcome, and
    otherwise (slices refused by the broker or by us) it stays PARTIALLY_FILLED when some
    shares filled, else REJECTED (or DENIED if we refused them all)."""
    if filled_quantity >= quantity:
        return S.FILLED
    for pending in (S.PENDING_CANCEL, S.PENDING_MODIFY):
        if pending in slices:
            return pending
    working = [s for s in slices if not is_terminal(s)]
    if working:
        if filled_quantity > 0:
            return S.PARTIALLY_FILLED
        if all(s is S.PENDING for s in working):
            return S.PENDING
        if any(s in (S.ACCEPTED, S.PARTIALLY_FILLED) for s in working):
            return S.ACCEPTED
        return S.SUBMITTED
    for ended in (S.CANCELED, S.EXPIRED):
        if ended in slices:
            return ended
    if filled_quantity > 0:
        return S.PARTIALLY_FILLED
    return S.REJECTED if S.REJECTED in slices else S.DENIED
