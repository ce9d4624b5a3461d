"""Alerts from what the order-router already reads (alerts.v1).

- an order the broker rejected (orders.events.v1 `order.rejected`), with Motilal's code;
- a client's broker session that failed (accounts.sessions.v1, on the change into FAILED);
- a kill switch engaged (orders.requests.v1 `killswitch.requested`).
MTM limits and the square-off raise their own (flatten.py); the portfolio raises drift.
Read by the order-router's own group member, beside the handlers of the same topics (one
alert per fact, from whichever replica owns its partition). Each alert's id is derived
from its cause, so a redelivered fact gives the same alert id (a webhook receiver can drop
repeats).
"""

from collections.abc import Sequence

from common.contracts.accounts import SessionChanged
from common.contracts.alerts import GLOBAL_SCOPE, AlertKind, AlertRaised, AlertSeverity
from common.contracts.envelope import Message
from common.contracts.order_events import OrderRejected
from common.contracts.requests import KillSwitchRequested
from common.enums import SessionState
from common.kafka import Publisher
from common.topics import ALERTS

from order_router.messages import derived_id


def alert_for(m: Message, was_failed: bool = False) -> AlertRaised | None:
    """The alert a fact raises, if any (pure)."""
    if isinstance(m, OrderRejected):
        return _alert(
            m, AlertKind.ORDER_REJECTED, AlertSeverity.WARNING, m.client_id,
            f"Order rejected for {m.client_id} ({m.error_code})",
            f"Motilal rejected order {m.order_id}: {m.error_code} {m.reason}",
            order_id=m.order_id,
        )  # fmt: skip
    if isinstance(m, SessionChanged) and m.state is SessionState.FAILED and not was_failed:
        code = f" ({m.error_code})" if m.error_code else ""
        return _alert(
            m, AlertKind.SESSION_FAILED, AlertSeverity.CRITICAL, m.client_id,
            f"Broker session failed for {m.client_id}{code}",
            f"{m.reason or 'the login failed'}; its orders are denied (broker_session) "
            "until it logs in again",
        )  # fmt: skip
    if isinstance(m, KillSwitchRequested) and m.engaged:
        who = "every client" if m.client_id is None else f"client {m.client_id}"
        canceling = "; working orders are being canceled" if m.cancel_open_orders else ""
        return _alert(
            m, AlertKind.KILL_SWITCH, AlertSeverity.CRITICAL, m.client_id,
            f"Kill switch engaged for {who} by {m.actor}",
            f"{m.reason}; new orders are denied (kill_switch){canceling}",
        )  # fmt: skip
    return None


def _alert(
    cause: Message,
    kind: AlertKind,
    severity: AlertSeverity,
    client_id: str | None,
    title: str,
    detail: str,
    order_id: str | None = None,
) -> AlertRaised:
    """An alert about one client (or everyone: None), its id derived from its cause."""
    return AlertRaised(
        **cause.caused(),
        event_id=derived_id(cause.event_id, "alert"),
        kind=kind,
        severity=severity,
        scope=client_id or GLOBAL_SCOPE,
        client_id=client_id,
        client_ids=(client_id,) if client_id else (),
        title=title,
        detail=detail,
        order_id=order_id,
    )


class AlertRaiser:
    def __init__(self, publisher: Publisher) -> None:
        self.publisher = publisher
        self._session_failed: dict[str, bool] = {}

    async def handle(self, messages: Sequence[Message]) -> None:
        alerts = []
        for m in messages:
            was_failed = False
            if isinstance(m, SessionChanged):
                was_failed = self._session_failed.get(m.client_id, False)
                if m.state is not SessionState.LOGGING_IN:  # a retry passes through it
                    self._session_failed[m.client_id] = m.state is SessionState.FAILED
            alert = alert_for(m, was_failed)
            if alert is not None:
                alerts.append(alert)
        if alerts:
            await self.publisher.publish_many(ALERTS, alerts)
