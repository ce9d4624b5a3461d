"""How long an authenticated /ws socket may live: until its access token expires (unless the
client sends a fresh one on it) or its user is disabled.

A token is checked once, when given; so each socket keeps its user and expiry here. One
loop per gateway process asks PostgreSQL every USER_CHECK_SECONDS which of the connected
users are still active (one query however many sockets), so disabling a user on any
replica closes that user's sockets on every replica within seconds.
"""

import asyncio
import contextlib
import logging
from datetime import UTC, datetime
from weakref import WeakKeyDictionary

from common.service import ServiceRuntime

log = logging.getLogger(__name__)

USER_CHECK_SECONDS = 3.0
TOKEN_EXPIRED = 4401
USER_DISABLED = 4403


class SocketSession:
    def __init__(self, username: str, expires_at: datetime) -> None:
        self.username = username
        self.expires_at = expires_at
        self._wake = asyncio.Event()
        self._ended: tuple[int, str] | None = None

    def renew(self, expires_at: datetime) -> None:
        """A fresh token of the same user: the socket lives until it expires."""
        self.expires_at = expires_at
        self._wake.set()

    def end(self, code: int, reason: str) -> None:
        self._ended = (code, reason)
        self._wake.set()

    async def closing(self) -> tuple[int, str]:
        """Returns (close code, reason) when the socket must close."""
        while True:
            self._wake.clear()
            if self._ended is not None:
                return self._ended
            left = (self.expires_at - datetime.now(UTC)).total_seconds()
            if left <= 0:
                return (
                    TOKEN_EXPIRED,
                    'access token expired: send {"action": "auth", "token": ...} '
                    "with a fresh one before it expires to keep the socket",
                )
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(left):
                    await self._wake.wait()


class ActiveUsers:
    """The process's open sockets and the loop that ends those of disabled users."""

    def __init__(self, runtime: ServiceRuntime) -> None:
        self._runtime = runtime
        self._sessions: set[SocketSession] = set()
        self._task: asyncio.Task[None] | None = None

    def add(self, session: SocketSession) -> None:
        self._sessions.add(session)
        if self._task is None or self._task.done():
            self._task = asyncio.create_task(self._watch())

    def discard(self, session: SocketSession) -> None:
        self._sessions.discard(session)

    async def stop(self) -> None:
        if self._task is not None:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task

    async def _watch(self) -> None:
        while self._sessions:
            await asyncio.sleep(USER_CHECK_SECONDS)
            names = sorted({s.username for s in self._sessions})
            try:
                rows = await self._runtime.pool.fetch(
                    "SELECT username FROM users WHERE username = ANY($1) AND active", names
                )
            except Exception as error:  # an outage must not close everyone's socket
                log.warning("cannot check the live sockets' users: %r", error)
                continue
            active = {row["username"] for row in rows}
            for session in list(self._sessions):
                if session.username not in active:
                    session.end(USER_DISABLED, f"user {session.username} is disabled")


_WATCHERS: WeakKeyDictionary[ServiceRuntime, ActiveUsers] = WeakKeyDictionary()


def active_users(runtime: ServiceRuntime) -> ActiveUsers:
    """The runtime's watcher: made on first use, stopped with the runtime."""
    watcher = _WATCHERS.get(runtime)
    if watcher is None:
        watcher = _WATCHERS[runtime] = ActiveUsers(runtime)
        runtime.on_shutdown(watcher.stop)
    return watcher
