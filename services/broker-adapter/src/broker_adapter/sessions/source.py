"""What execution needs from broker sessions, and how it reads a session that is missing.

`SessionManager` (manager.py) satisfies `SessionSource`; tests and the embedded
dev mode may pass any other object with the same methods (see dev.py).

A missing session is not a broker rejection, and denials belong to the order-router, so:
- a session that is still being set up (logging in, not loaded yet) PARKS the command: it
  is retried with backoff for up to `session_wait_seconds`;
- a session that FAILED (wrong password, locked account, OTP needed...) rejects the order
  with error_code "SESSION" and the session's reason. The router also denies new orders up
  front for FAILED sessions, so this mostly settles commands already in flight.
"""

from collections.abc import Callable
from typing import Any, Protocol

from common.enums import SessionState
from motilal.client import MotilalClient

from broker_adapter.sessions.session import SessionUnavailable

_FAILED_STATES = frozenset({SessionState.FAILED, SessionState.OTP_REQUIRED})


SessionReady = Callable[[str, MotilalClient], None]


class SessionSource(Protocol):
    on_ready: SessionReady | None
    """Told of each session that becomes usable (set by the tracker, to open its stream)."""

    async def session_for(self, client_id: str) -> Any:
        """An authenticated MotilalClient (or an object carrying one as `.client`)."""

    async def relogin(self, client_id: str) -> Any: ...


def client_of(session: Any) -> MotilalClient:
    if isinstance(session, MotilalClient):
        return session
    client = getattr(session, "client", None)
    if isinstance(client, MotilalClient):
        return client
    raise TypeError(f"session for execution has no Motilal client: {type(session).__name__}")


def session_failed(error: SessionUnavailable) -> bool:
    """True when waiting will not help: the login failed and needs a human."""
    state = getattr(error, "state", None)
    if state is not None:
        return str(state) in _FAILED_STATES
    return error.error_code is not None
