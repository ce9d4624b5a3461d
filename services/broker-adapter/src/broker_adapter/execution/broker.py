"""Calls to Motilal for one client: its session, latency metrics, one re-login on expiry.

`Park` says a command cannot run now (session logging in, broker unreachable) and is
retried later; the `Follower` (the tracker) hears of every session that becomes usable.
"""

import logging
import time
from typing import Any, Protocol

from motilal.client import MotilalClient
from motilal.errors import BrokerUnavailable, MotilalError, RateLimited, SessionExpired

from broker_adapter.execution.intents import Intent
from broker_adapter.execution.throttle import Throttle
from broker_adapter.metrics import METRICS
from broker_adapter.sessions.session import SessionUnavailable
from broker_adapter.sessions.source import SessionSource, client_of, session_failed

log = logging.getLogger(__name__)

SESSION_ERROR = "SESSION"
"""error_code of a rejection because the client's broker session failed (see sessions/source)."""
LOCAL_ERROR = "ADAPTER"
"""error_code of a rejection the adapter decided before sending (no price, no product)."""


class Park(Exception):
    """The command cannot run now (session logging in, broker unreachable): retry it later."""


class Follower(Protocol):
    """Who follows placed orders to their end (the tracker): told of every change."""

    def session_ready(self, client_id: str, client: MotilalClient) -> None: ...

    def track(self, intent: Intent) -> None:
        """Follow this PLACED or UNKNOWN intent (replacing what was known of its order)."""

    def untrack(self, intent: Intent) -> None: ...


class NoFollower:
    def session_ready(self, client_id: str, client: MotilalClient) -> None:
        pass

    def track(self, intent: Intent) -> None:
        pass

    def untrack(self, intent: Intent) -> None:
        pass


class BrokerAccess:
    def __init__(self, sessions: SessionSource, throttle: Throttle) -> None:
        self.sessions = sessions
        self.throttle = throttle
        self.follower: Follower = NoFollower()

    async def client_for(self, client_id: str) -> MotilalClient:
        """The client's Motilal session; Park while it is being set up, SessionUnavailable
        (with a failed state) when it cannot be had without a human."""
        try:
            client = client_of(await self.sessions.session_for(client_id))
        except SessionUnavailable as error:
            if session_failed(error):
                raise
            raise Park(f"session of {client_id} not ready: {error.reason}") from error
        self.follower.session_ready(client_id, client)
        return client

    async def call(self, client_id: str, operation: str, call: Any) -> Any:
        """One broker call with latency metrics; one re-login and retry on an expired session
        (Motilal refused the call untouched, so a retry cannot duplicate anything)."""
        for attempt in (1, 2):
            client = await self.client_for(client_id)
            started = time.perf_counter()
            outcome = "ok"
            try:
                return await call(client)
            except SessionExpired as error:
                outcome = "session_expired"
                METRICS.broker_error(operation, error.code)
                if attempt == 2:
                    raise
                await self.sessions.relogin(client_id)
            except MotilalError as error:
                outcome = type(error).__name__
                METRICS.broker_error(operation, error.code)
                raise
            finally:
                METRICS.broker_call.labels(operation, outcome).observe(
                    time.perf_counter() - started
                )
        raise AssertionError("unreachable")  # pragma: no cover

    async def write(self, intent: Intent, operation: str, call: Any) -> Any:
        """An order write (place, modify, cancel) for the intent's client, let through by the
        rate limit of its client and exchange segment. A session still expired after one
        re-login parks the command: Motilal refused the write untouched both times."""
        async with self.throttle.order_write(intent.client_id, intent.exchange):
            try:
                return await self.call(intent.client_id, operation, call)
            except SessionExpired as error:
                raise Park(
                    f"{operation} of {intent.order_id}: session of {intent.client_id} "
                    f"expired again: {error}"
                ) from error

    async def read(self, client_id: str, operation: str, call: Any) -> Any:
        """A read that keeps failing (Motilal down) parks the command rather than failing it."""
        try:
            return await self.call(client_id, operation, call)
        except (BrokerUnavailable, RateLimited) as error:
            raise Park(f"{operation} failed: {error}") from error
