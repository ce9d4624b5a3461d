"""A position drift raises one alert, when it becomes confirmed (pure)."""

from datetime import UTC, datetime

from common.contracts.accounts import BrokerPositionsSnapshot
from common.contracts.alerts import AlertKind
from common.enums import Exchange
from factories import make
from portfolio.drift import Drift, next_drift
from portfolio.drift_alerts import confirmed_now, drift_alert

AT = datetime(2026, 11, 30, 6, 0, tzinfo=UTC)
DRIFT = Drift(Exchange.NSE, 11536, "DELIVERY", None, ours=0, broker=7)


def test_drift_alert_raised_once_when_the_count_reaches_the_confirmations() -> None:
    records = next_drift({}, [DRIFT], AT)
    seen = []
    for _ in range(3):
        seen.append([r for r in records.values() if confirmed_now(r, 2)])
        records = next_drift(records, [DRIFT], AT)
    assert [len(s) for s in seen] == [0, 1, 0]  # the 1st snapshot, the 2nd (confirmed), 3rd


def test_drift_alert_says_both_quantities_and_is_the_same_for_a_redelivery() -> None:
    snapshot = make(BrokerPositionsSnapshot, client_id="AB1234")
    record = next(iter(next_drift({}, [DRIFT], AT).values()))
    alert = drift_alert(snapshot, record)
    assert alert.kind is AlertKind.DRIFT and alert.client_id == "AB1234"
    assert alert.title == "Position drift for AB1234: NSE 11536 DELIVERY"
    assert "the platform holds 0, the broker 7" in alert.detail
    assert drift_alert(snapshot, record).event_id == alert.event_id
