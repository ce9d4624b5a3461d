"""Each risk rule's outcome on an order, as the preview shows it: passed, skipped for lack
of data (with what was missing), failed (with the rule and reason), or not checked."""

from dataclasses import replace

from order_router.risk import check
from test_risk import CONFIG, CTX, ORDER

RULES = ["kill_switch", "client", "broker_session", "market_hours", "permissions",
         "lot_and_tick", "price_band", "limits", "margin"]  # fmt: skip


def outcomes(decision_checks: tuple[object, ...]) -> dict[str, str]:
    return {c.check: c.outcome for c in decision_checks}  # type: ignore[attr-defined]


def test_risk_checks_every_rule_passed_in_order() -> None:
    decision = check(ORDER, CTX, CONFIG)
    assert [c.check for c in decision.checks] == RULES
    assert set(outcomes(decision.checks).values()) == {"passed"}


def test_risk_checks_a_rule_without_data_is_skipped_with_what_was_missing() -> None:
    decision = check(ORDER, replace(CTX, available_margin=None), CONFIG)
    (margin,) = [c for c in decision.checks if c.check == "margin"]
    assert margin.outcome == "skipped" and "no margin snapshot" in (margin.reason or "")
    assert outcomes(decision.checks)["price_band"] == "passed"


def test_risk_checks_a_denial_fails_its_rule_and_leaves_the_rest_unchecked() -> None:
    decision = check(replace(ORDER, quantity=3), CTX, CONFIG)  # lot size 5
    found = outcomes(decision.checks)
    assert found["lot_and_tick"] == "failed" and not decision.approved
    assert [found[r] for r in RULES[:5]] == ["passed"] * 5
    assert [found[r] for r in RULES[6:]] == ["not_checked"] * 3
    (failed,) = [c for c in decision.checks if c.outcome == "failed"]
    assert failed.reason == f"{decision.rule}: {decision.reason}"
