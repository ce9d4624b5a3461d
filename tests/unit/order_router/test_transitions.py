"""The order state machine: every pair in the table is allowed, every other pair refused."""

import itertools

import pytest
from common.enums import OrderStatus as S
from order_router.transitions import (
    TRANSITIONS,
    WORKING,
    Ev,
    IllegalTransition,
    next_status,
)

LEGAL = sorted(TRANSITIONS, key=str)
ILLEGAL = [pair for pair in itertools.product(S, Ev) if pair not in TRANSITIONS]


@pytest.mark.parametrize(("status", "event"), LEGAL)
def test_transition_in_table_is_applied(status: S, event: Ev) -> None:
    target = TRANSITIONS[(status, event)]
    result = next_status(status, event, filled_quantity=0)
    assert result == (S.ACCEPTED if target is WORKING else target)


@pytest.mark.parametrize(("status", "event"), ILLEGAL)
def test_transition_not_in_table_is_refused(status: S, event: Ev) -> None:
    with pytest.raises(IllegalTransition) as refused:
        next_status(status, event)
    assert refused.value.status is status and refused.value.event is event


def test_transition_pending_change_settled_with_fills_returns_partially_filled() -> None:
    assert next_status(S.PENDING_MODIFY, Ev.MODIFIED, filled_quantity=5) is S.PARTIALLY_FILLED
    assert next_status(S.PENDING_CANCEL, Ev.CHANGE_REJECTED, filled_quantity=0) is S.ACCEPTED


@pytest.mark.parametrize("terminal", [s for s in S if s.is_terminal])
def test_transition_terminal_state_never_leaves_terminal(terminal: S) -> None:
    for event in Ev:
        if (terminal, event) in TRANSITIONS:
            assert next_status(terminal, event).is_terminal


def test_transition_design_path_to_filled_is_allowed() -> None:
    status = S.PENDING
    for event in (Ev.SUBMIT, Ev.ACCEPTED, Ev.PARTIALLY_FILLED, Ev.FILLED):
        status = next_status(status, event)
    assert status is S.FILLED


def test_transition_denied_order_cannot_be_submitted() -> None:
    with pytest.raises(IllegalTransition):
        next_status(S.DENIED, Ev.SUBMIT)


def test_transition_filled_order_cannot_be_canceled() -> None:
    with pytest.raises(IllegalTransition):
        next_status(S.FILLED, Ev.REQUEST_CANCEL)
