import pytest
from broker_adapter.execution.intents import IllegalTransition, IntentState, check_transition
from motilal.tags import is_valid_tag, tag_for


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (IntentState.INTENT, IntentState.PLACED),
        (IntentState.INTENT, IntentState.UNKNOWN),
        (IntentState.INTENT, IntentState.DONE),
        (IntentState.UNKNOWN, IntentState.PLACED),
        (IntentState.UNKNOWN, IntentState.INTENT),
        (IntentState.PLACED, IntentState.DONE),
        (IntentState.PLACED, IntentState.PLACED),
    ],
)
def test_check_transition_allowed_moves_pass(current: IntentState, new: IntentState) -> None:
    check_transition("o1", current, new)


@pytest.mark.parametrize(
    ("current", "new"),
    [
        (IntentState.PLACED, IntentState.INTENT),
        (IntentState.PLACED, IntentState.UNKNOWN),
        (IntentState.DONE, IntentState.PLACED),
        (IntentState.DONE, IntentState.INTENT),
    ],
)
def test_check_transition_backwards_moves_raise(current: IntentState, new: IntentState) -> None:
    with pytest.raises(IllegalTransition, match="o1"):
        check_transition("o1", current, new)


def test_tag_for_order_id_is_stable_and_valid_for_motilal() -> None:
    order_id = "0192f3a0-7c1e-7b7a-9d3e-2f4b5c6d7e8f"
    assert tag_for(order_id) == tag_for(order_id)
    assert is_valid_tag(tag_for(order_id))
    assert tag_for(order_id) != tag_for("0192f3a0-7c1e-7b7a-9d3e-2f4b5c6d7e90")
