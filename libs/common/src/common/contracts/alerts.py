"""`alerts.v1`: what an operator must see now, keyed by client_id (or the scope it concerns).

Every alert says what happened in words (`title`, `detail`) and carries what a desk routes
on: its `kind`, its `severity` and its `scope` (a client id, `group:<name>` or `global`).
The gateway pushes alerts to the dashboard and, when a webhook URL is set, POSTs each one
there (Telegram, Slack or mail bridges read the same JSON).
"""

from enum import StrEnum
from typing import Annotated, Literal

from pydantic import Field

from common.contracts.envelope import Message


class AlertKind(StrEnum):
    ORDER_REJECTED = "order_rejected"
    SESSION_FAILED = "session_failed"
    MTM_LIMIT = "mtm_limit"
    SQUARE_OFF = "square_off"
    DRIFT = "drift"
    KILL_SWITCH = "kill_switch"


class AlertSeverity(StrEnum):
    INFO = "info"
    WARNING = "warning"
    CRITICAL = "critical"


GLOBAL_SCOPE = "global"
"""The scope of an alert about every client (the global kill switch)."""


def group_scope(name: str) -> str:
    """The scope of an alert about a group of clients."""
    return f"group:{name}"


class AlertRaised(Message):
    type: Literal["alert.raised"] = "alert.raised"
    kind: AlertKind
    severity: AlertSeverity
    scope: str = Field(description="a client id, group:<name>, or global")
    client_id: str | None = Field(default=None, description="the one client it concerns")
    client_ids: tuple[str, ...] = Field(default=(), description="every client it concerns")
    title: str = Field(min_length=1, description="one line, e.g. 'MTM stop loss hit for C1'")
    detail: str = Field(default="", description="what happened and what was done, in words")
    order_id: str | None = None


AlertEvent = Annotated[AlertRaised, Field(discriminator="type")]
