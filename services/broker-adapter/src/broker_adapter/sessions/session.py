"""A client's broker session, and the error that says why a client has none."""

import asyncio
from dataclasses import dataclass, field
from datetime import datetime

from motilal.client import MotilalClient


class SessionUnavailable(Exception):
    """The client has no usable broker session; `reason` says why, in words.

    `state` is the session state behind it: FAILED or OTP_REQUIRED need a human;
    LOGGING_IN or LOGGED_OUT (Motilal unreachable, registry not loaded yet) pass by
    themselves.
    """

    def __init__(
        self,
        client_id: str,
        reason: str,
        error_code: str | None = None,
        *,
        state: str | None = None,
    ) -> None:
        super().__init__(f"client {client_id} has no broker session: {reason}")
        self.client_id = client_id
        self.reason = reason
        self.error_code = error_code
        self.state = state


@dataclass(frozen=True)
class BrokerSession:
    client_id: str
    motilal_client_id: str
    client: MotilalClient
    expires_at: datetime


@dataclass
class Entry:
    """What one process holds for one client: its lock, its session, a pending OTP login."""

    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: BrokerSession | None = None
    token: str | None = None
    pending_otp: MotilalClient | None = None
    obtained_at: float = float("-inf")
    """monotonic time the current session was logged in or adopted in this process"""
