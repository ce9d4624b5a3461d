"""Flattening and alerts (pure parts): the exit requests a flatten asks for, with ids that
a redelivery repeats exactly, and the alerts raised by rejections, failed sessions and the
kill switch."""

from datetime import date

from common.contracts.accounts import SessionChanged
from common.contracts.alerts import AlertKind, AlertSeverity
from common.contracts.order_events import OrderRejected
from common.contracts.requests import FlattenRequested, KillSwitchRequested
from common.enums import Exchange, SessionState, TradeType
from factories import make
from order_router.alert_raiser import alert_for
from order_router.flatten import exit_requests, flatten_alert

FLATTEN = FlattenRequested(
    correlation_id="b1", actor="order-router:mtm-limit", batch_id="b1", rule="mtm_limit",
    scope="group:desk", client_ids=("C1", "C2"), trading_date=date(2026, 11, 30),
    reason="MTM stop loss hit for group desk: day MTM -5000.00 at or below -5000",
)  # fmt: skip


def test_exit_requests_one_per_instrument_one_exit_per_client_and_trade_type() -> None:
    held = [
        ("C1", 2885, Exchange.NSE, TradeType.INTRADAY),
        ("C1", 2885, Exchange.NSE, TradeType.DELIVERY),
        ("C2", 2885, Exchange.NSE, TradeType.INTRADAY),
        ("C2", 11536, Exchange.NSE, TradeType.INTRADAY),
    ]
    requests = exit_requests(FLATTEN, held)
    assert [(r.token_id, len(r.orders)) for r in requests] == [(2885, 3), (11536, 1)]
    first = requests[0]
    assert {(o.client_id, o.trade_type) for o in first.orders} == {
        ("C1", TradeType.INTRADAY), ("C1", TradeType.DELIVERY), ("C2", TradeType.INTRADAY)
    }  # fmt: skip
    assert first.causation_id == FLATTEN.event_id and first.correlation_id == "b1"
    again = exit_requests(FLATTEN, list(reversed(held)))
    assert [r.model_dump(exclude={"occurred_at"}) for r in again] == [
        r.model_dump(exclude={"occurred_at"}) for r in requests
    ]


def test_flatten_alert_names_the_scope_and_what_was_done() -> None:
    alert = flatten_alert(FLATTEN, exits=3, canceled=1)
    assert alert.kind is AlertKind.MTM_LIMIT and alert.severity is AlertSeverity.CRITICAL
    assert alert.scope == "group:desk" and alert.client_ids == ("C1", "C2")
    assert alert.client_id is None
    assert alert.title == "MTM stop loss hit for group desk"
    assert "3 every position(s) being exited, 1 working order(s) canceled" in alert.detail


def test_alert_for_a_rejection_carries_motilals_code() -> None:
    rejected = make(OrderRejected, error_code="MO5021", reason="insufficient margin")
    alert = alert_for(rejected)
    assert alert is not None and alert.kind is AlertKind.ORDER_REJECTED
    assert alert.client_id == rejected.client_id and alert.order_id == rejected.order_id
    assert "MO5021" in alert.title and "insufficient margin" in alert.detail
    assert alert_for(rejected).event_id == alert.event_id  # a redelivery: the same id


def test_alert_for_a_session_only_on_the_change_into_failed() -> None:
    failed = make(SessionChanged, state=SessionState.FAILED, error_code="MO8002",
                  reason="invalid TOTP")  # fmt: skip
    alert = alert_for(failed, was_failed=False)
    assert alert is not None and alert.kind is AlertKind.SESSION_FAILED
    assert "MO8002" in alert.title and "invalid TOTP" in alert.detail
    assert alert_for(failed, was_failed=True) is None
    assert alert_for(make(SessionChanged, state=SessionState.ACTIVE)) is None


def test_alert_for_the_kill_switch_when_engaged_not_released() -> None:
    engaged = KillSwitchRequested(correlation_id="k", actor="admin", engaged=True,
                                  reason="exchange glitch")  # fmt: skip
    alert = alert_for(engaged)
    assert alert is not None and alert.scope == "global" and alert.client_id is None
    assert "every client" in alert.title
    released = engaged.model_copy(update={"engaged": False})
    assert alert_for(released) is None
