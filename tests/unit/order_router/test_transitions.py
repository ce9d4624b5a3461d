"""The order state machine against expectations written out here by hand (from DESIGN.md),
not read back from the table: every listed pair gives the listed status, every other pair
is refused, and the status sets agree with what operators are allowed to do."""

import itertools

import pytest
from common.enums import OrderStatus as S
from order_router.transitions import (
    CANCELABLE_STATUSES,
    MODIFIABLE_STATUSES,
    TERMINAL_STATUSES,
    WORKING_STATUSES,
    Ev,
    IllegalTransition,
    fill_event,
    next_status,
)

W = "working"  # ACCEPTED when nothing has filled, PARTIALLY_FILLED otherwise

# status: "event=next ..." with events and statuses by their short names below
EXPECTED_ROWS = {
    S.PENDING: "submit=SUBMITTED deny=DENIED expire=EXPIRED",
    S.SUBMITTED: "accepted=ACCEPTED rejected=REJECTED partial=PARTIALLY_FILLED filled=FILLED "
    "canceled=CANCELED cancel=PENDING_CANCEL expire=EXPIRED",
    S.ACCEPTED: "partial=PARTIALLY_FILLED filled=FILLED canceled=CANCELED rejected=REJECTED "
    "modify=PENDING_MODIFY cancel=PENDING_CANCEL modified=ACCEPTED expire=EXPIRED",
    S.PARTIALLY_FILLED: "partial=PARTIALLY_FILLED filled=FILLED canceled=CANCELED "
    "modify=PENDING_MODIFY cancel=PENDING_CANCEL modified=PARTIALLY_FILLED expire=EXPIRED",
    S.PENDING_MODIFY: "modified=working change_rejected=working partial=PENDING_MODIFY "
    "filled=FILLED canceled=CANCELED cancel=PENDING_CANCEL expire=EXPIRED",
    S.PENDING_CANCEL: "canceled=CANCELED change_rejected=working accepted=PENDING_CANCEL "
    "rejected=REJECTED partial=PENDING_CANCEL filled=FILLED modified=PENDING_CANCEL "
    "expire=EXPIRED",
    S.CANCELED: "partial=CANCELED filled=CANCELED",
    S.EXPIRED: "partial=EXPIRED filled=EXPIRED canceled=EXPIRED",
    S.DENIED: "",
    S.REJECTED: "",
    S.FILLED: "",
}
EVENTS = {
    "submit": Ev.SUBMIT,
    "deny": Ev.DENY,
    "accepted": Ev.ACCEPTED,
    "rejected": Ev.REJECTED,
    "partial": Ev.PARTIALLY_FILLED,
    "filled": Ev.FILLED,
    "modify": Ev.REQUEST_MODIFY,
    "cancel": Ev.REQUEST_CANCEL,
    "modified": Ev.MODIFIED,
    "change_rejected": Ev.CHANGE_REJECTED,
    "canceled": Ev.CANCELED,
    "expire": Ev.EXPIRE,
}
EXPECTED: dict[tuple[S, Ev], str] = {
    (status, EVENTS[name]): target
    for status, row in EXPECTED_ROWS.items()
    for name, target in (pair.split("=") for pair in row.split())
}
REFUSED = [pair for pair in itertools.product(S, Ev) if pair not in EXPECTED]


def test_transition_expectations_cover_every_status() -> None:
    assert set(EXPECTED_ROWS) == set(S)


@pytest.mark.parametrize(("status", "event"), sorted(EXPECTED, key=str))
def test_transition_listed_pair_gives_listed_status(status: S, event: Ev) -> None:
    target = EXPECTED[(status, event)]
    if target == W:
        assert next_status(status, event, filled_quantity=0) is S.ACCEPTED
        assert next_status(status, event, filled_quantity=3) is S.PARTIALLY_FILLED
    else:
        assert next_status(status, event, filled_quantity=0) is S(target)


@pytest.mark.parametrize(("status", "event"), REFUSED)
def test_transition_unlisted_pair_is_refused(status: S, event: Ev) -> None:
    with pytest.raises(IllegalTransition) as refused:
        next_status(status, event)
    assert refused.value.status is status and refused.value.event is event


def test_transition_status_sets_match_what_operators_may_do() -> None:
    assert {S.DENIED, S.REJECTED, S.FILLED, S.CANCELED, S.EXPIRED} == TERMINAL_STATUSES
    assert {
        S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED, S.PENDING_MODIFY, S.PENDING_CANCEL,
    } == WORKING_STATUSES  # fmt: skip
    assert {S.ACCEPTED, S.PARTIALLY_FILLED} == MODIFIABLE_STATUSES
    assert {S.SUBMITTED, S.ACCEPTED, S.PARTIALLY_FILLED, S.PENDING_MODIFY} == CANCELABLE_STATUSES


def test_transition_fill_is_filled_only_when_the_quantity_is_reached() -> None:
    assert fill_event(4, 10) is Ev.PARTIALLY_FILLED
    assert fill_event(10, 10) is Ev.FILLED


def test_transition_design_path_to_filled_is_allowed() -> None:
    status = S.PENDING
    for event in (Ev.SUBMIT, Ev.ACCEPTED, Ev.PARTIALLY_FILLED, Ev.FILLED):
        status = next_status(status, event)
    assert status is S.FILLED
