"""Broker sessions: one logged-in Motilal session per client, shared by adapter replicas.

INTERFACE for execution: ask `SessionManager.session_for(client_id)` for an
authenticated session (a `BrokerSession`; its `.client` is the MotilalClient) before each
broker call; on `SessionUnavailable` look at `.state`: "FAILED"/"OTP_REQUIRED" needs a
human (reject with `.reason`), anything else is temporary (park and retry). On MO8001/
MO8002 (`SessionExpired`) call `relogin(client_id)` once and retry the call.

How it holds together:
- Credentials come from the adapter's copy of the registry (`accounts`, fed by registry.py),
  sealed; they are opened in memory only for the login itself.
- The token lives in Redis under `broker-adapter:session:<client_id>` with a TTL to its
  06:00 IST expiry, so every replica uses the same session; it is never logged.
- Logins for one client never overlap: an asyncio lock per client in a process, and a Redis
  lock across replicas; whoever gets the lock second finds the fresh token and adopts it.
- A refused login (wrong password, TOTP, locked, IP not whitelisted...) is recorded as
  FAILED with the reason, against the credentials it was tried with, and published as
  SessionChanged; from then on `session_for` answers at once with that reason, without
  asking Motilal again (which could lock the account), until the credentials change or an
  admin asks for a retry (`login`, via POST /api/v1/clients/{id}/login on the gateway).
- Without a TOTP secret the login takes Motilal's OTP path: the state is OTP_REQUIRED until
  `verify_otp` gets the code (POST /api/v1/clients/{id}/otp on the gateway).
"""

import asyncio
import contextlib
import json
import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Any, Protocol

import asyncpg
import httpx
from common.contracts.accounts import SessionChanged
from common.enums import SessionState
from common.ids import new_id
from common.logs import bound, correlation_id
from motilal.client import MotilalClient
from motilal.config import Credentials, MotilalSettings
from motilal.errors import LoginFailed, MotilalError
from motilal.http import make_http_client
from nacl.public import PrivateKey
from redis.asyncio import Redis
from redis.exceptions import LockError

from broker_adapter.sessions import store
from broker_adapter.sessions.credentials import CredentialsUnavailable, unseal
from broker_adapter.sessions.store import Account, SessionRow

log = logging.getLogger(__name__)

ACTOR = "broker-adapter"
TOKEN_KEY = "broker-adapter:session:{client_id}"  # noqa: S105  (a key name)
LOCK_KEY = "broker-adapter:login-lock:{client_id}"
FAILED, OTP_REQUIRED, ACTIVE, LOGGING_IN, LOGGED_OUT = (
    SessionState.FAILED,
    SessionState.OTP_REQUIRED,
    SessionState.ACTIVE,
    SessionState.LOGGING_IN,
    SessionState.LOGGED_OUT,
)


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


class Infra(Protocol):
    """What the manager needs from the service runtime (ServiceRuntime satisfies it)."""

    @property
    def pool(self) -> asyncpg.Pool: ...

    @property
    def redis(self) -> Redis: ...


class Fallback(Protocol):
    async def session_for(self, client_id: str) -> Any: ...

    async def relogin(self, client_id: str) -> Any: ...


Publish = Callable[[SessionChanged], Awaitable[None]]
SessionReady = Callable[[str, MotilalClient], None]


@dataclass
class _Entry:
    lock: asyncio.Lock = field(default_factory=asyncio.Lock)
    session: BrokerSession | None = None
    token: str | None = None
    pending_otp: MotilalClient | None = None
    obtained_at: float = float("-inf")
    """monotonic time the current session was logged in or adopted in this process"""


class SessionManager:
    def __init__(
        self,
        infra: Infra,
        publish: Publish,
        *,
        private_key: PrivateKey | None,
        motilal: MotilalSettings | None = None,
        login_lock_seconds: float = 60.0,
        otp_wait_seconds: int = 600,
        fallback: Fallback | None = None,
    ) -> None:
        self._infra = infra
        self._publish = publish
        self._key = private_key
        self._motilal = motilal or MotilalSettings()
        self._lock_seconds = login_lock_seconds
        self._otp_wait = otp_wait_seconds
        self._fallback = fallback
        self._entries: dict[str, _Entry] = {}
        self._http: httpx.AsyncClient | None = None
        self.on_ready: SessionReady | None = None
        """Told of every session that becomes usable (the tracker opens its order stream)."""

    # ---- the interface execution uses ------------------------------------------------------

    async def session_for(self, client_id: str) -> BrokerSession:
        entry = self._entry(client_id)
        live = self._live(entry)
        if live is not None:
            return live
        async with entry.lock:
            live = self._live(entry)
            if live is not None:
                return live
            return await self._obtain(client_id, entry, force=False)

    async def relogin(self, client_id: str) -> BrokerSession:
        """A new session after MO8001/MO8002.

        Callers that saw the same expiry at once share one login: a session obtained after
        this call began (while it waited for the lock) is the answer; otherwise the current
        token is taken as dead, dropped, and the client logs in again.
        """
        asked_at = time.monotonic()
        entry = self._entry(client_id)
        async with entry.lock:
            live = self._live(entry)
            if live is not None and entry.obtained_at > asked_at:
                return live
            await self._discard_dead(client_id, entry)
            with bound(client_id=client_id):
                log.info("session of %s expired; logging in again", client_id)
                return await self._obtain(client_id, entry, force=False)

    # ---- what operators ask for (internal HTTP) ---------------------------------------------

    async def login(self, client_id: str) -> SessionRow:
        """A fresh login now, even after a FAILED one (an admin fixed something)."""
        entry = self._entry(client_id)
        async with entry.lock:
            self._forget(entry)
            await self._drop_token(client_id)
            with contextlib.suppress(SessionUnavailable):
                await self._obtain(client_id, entry, force=True)
        return await self.status(client_id)

    async def verify_otp(self, client_id: str, otp: str) -> SessionRow:
        """Completes an OTP login; raises SessionUnavailable with the reason if refused."""
        entry = self._entry(client_id)
        async with entry.lock:
            account = await self._account(client_id)
            client = entry.pending_otp or await self._pending_from_redis(account)
            if client is None:
                raise SessionUnavailable(
                    client_id, "no OTP login is pending: ask for a login first", state=LOGGED_OUT
                )
            try:
                session = await client.verify_otp(otp)
            except LoginFailed as error:
                reason = f"{error.category.value} ({error.code}: {error.reason})"
                if error.code == "MO1095":  # a wrong code: the same login may try again
                    raise SessionUnavailable(
                        client_id, reason, error.code, state=OTP_REQUIRED
                    ) from None
                self._forget(entry)
                await self._drop_token(client_id)
                await self._set_state(account, FAILED, reason=reason, error_code=error.code)
                raise SessionUnavailable(client_id, reason, error.code, state=FAILED) from None
            except MotilalError as error:
                raise SessionUnavailable(client_id, str(error), state=OTP_REQUIRED) from None
            await self._activate(account, entry, client, session.expires_at)
        return await self.status(client_id)

    async def status(self, client_id: str) -> SessionRow:
        row = await store.get_session(self._infra.pool, client_id)
        if row is None:
            return SessionRow(client_id, LOGGED_OUT, None, None, None, None, datetime.now(UTC))
        return row

    # ---- registry changes and schedules -----------------------------------------------------

    async def credentials_changed(self, client_id: str) -> None:
        """New or replaced credentials: forget the old session and any FAILED verdict."""
        entry = self._entry(client_id)
        async with entry.lock:
            self._forget(entry)
            await self._drop_token(client_id)

    async def refresh(self, client_id: str) -> None:
        """Log in afresh (daily, before the market opens), unless the client needs a human."""
        entry = self._entry(client_id)
        async with entry.lock:
            self._forget(entry)
            await self._drop_token(client_id)
            with contextlib.suppress(SessionUnavailable):
                await self._obtain(client_id, entry, force=False)

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()

    # ---- inside ----------------------------------------------------------------------------

    def _entry(self, client_id: str) -> _Entry:
        entry = self._entries.get(client_id)
        if entry is None:
            entry = self._entries[client_id] = _Entry()
        return entry

    def _live(self, entry: _Entry) -> BrokerSession | None:
        """The session unless it has reached its expiry (06:00 IST)."""
        session = entry.session
        if session is None or session.expires_at <= datetime.now(UTC):
            return None
        return session

    async def _discard_dead(self, client_id: str, entry: _Entry) -> None:
        """Forget a dead session, and its token in Redis unless a newer one replaced it."""
        dead = entry.token
        self._forget(entry)
        if dead is not None:
            await self._drop_token(client_id, only=dead)

    def _forget(self, entry: _Entry) -> None:
        entry.session = None
        entry.token = None
        entry.pending_otp = None

    async def _account(self, client_id: str) -> Account:
        account = await store.get_account(self._infra.pool, client_id)
        if account is None:
            raise SessionUnavailable(
                client_id, "client is not in the adapter's registry (yet)", state=LOGGED_OUT
            )
        return account

    async def _obtain(self, client_id: str, entry: _Entry, *, force: bool) -> BrokerSession:
        account = await store.get_account(self._infra.pool, client_id)
        if account is None and self._fallback is not None:
            session: BrokerSession = await self._fallback.session_for(client_id)
            return session
        account = account or await self._account(client_id)
        if not force:
            await self._refuse_if_needs_human(account)
        adopted = await self._adopt_shared(account, entry)
        if adopted is not None and not force:
            return adopted
        try:
            async with self._infra.redis.lock(
                LOCK_KEY.format(client_id=client_id),
                timeout=self._lock_seconds,
                blocking_timeout=self._lock_seconds + 5,
            ):
                # Another replica may have logged in (or failed) while we waited for the lock.
                if not force:
                    adopted = await self._adopt_shared(account, entry)
                    if adopted is not None:
                        return adopted
                    await self._refuse_if_needs_human(account)
                return await self._login(account, entry)
        except LockError as error:
            raise SessionUnavailable(
                client_id, "another replica is still logging this client in", state=LOGGING_IN
            ) from error

    async def _refuse_if_needs_human(self, account: Account) -> None:
        row = await store.get_session(self._infra.pool, account.client_id)
        if row is None or row.credentials_hash != account.credentials_hash:
            return
        if row.state == FAILED:
            raise SessionUnavailable(
                account.client_id, row.reason or "login failed", row.error_code, state=FAILED
            )
        if row.state == OTP_REQUIRED and await self._infra.redis.exists(self._key_of(account)):
            raise SessionUnavailable(
                account.client_id,
                row.reason or "waiting for the OTP sent to the client",
                row.error_code,
                state=OTP_REQUIRED,
            )

    def _key_of(self, account: Account) -> str:
        return TOKEN_KEY.format(client_id=account.client_id)

    async def _adopt_shared(self, account: Account, entry: _Entry) -> BrokerSession | None:
        """The verified token another replica (or an earlier run) stored, if still good."""
        raw = await self._infra.redis.get(self._key_of(account))
        if not raw:
            return None
        stored = json.loads(raw)
        if not stored.get("verified") or stored.get("credentials") != account.credentials_hash:
            return None
        expires_at = datetime.fromisoformat(stored["expires_at"])
        if expires_at <= datetime.now(UTC):
            return None
        try:
            client = self._client(account)
        except CredentialsUnavailable:
            return None  # the login path records why
        client.use_token(stored["token"])
        entry.session = BrokerSession(
            account.client_id, account.motilal_client_id, client, expires_at
        )
        entry.token = stored["token"]
        entry.obtained_at = time.monotonic()
        self._ready(entry.session)
        return entry.session

    async def _pending_from_redis(self, account: Account) -> MotilalClient | None:
        raw = await self._infra.redis.get(self._key_of(account))
        if not raw:
            return None
        stored = json.loads(raw)
        if stored.get("verified") or stored.get("credentials") != account.credentials_hash:
            return None
        try:
            client = self._client(account)
        except CredentialsUnavailable:
            return None
        client.use_token(stored["token"], verified=False)
        return client

    def _client(self, account: Account) -> MotilalClient:
        """A MotilalClient for the account; opens the sealed credentials in memory."""
        if account.sealed_credentials is None:
            raise CredentialsUnavailable("no credentials are registered for this client")
        opened = unseal(account.sealed_credentials, self._key)
        if self._http is None:
            self._http = make_http_client(self._motilal)
        credentials = Credentials(
            client_code=account.motilal_client_id,
            password=opened.password,
            api_key=opened.api_key,
            two_fa=opened.two_fa,
            totp_secret=opened.totp_secret,
            api_secret=opened.api_secret,  # unset: MOTILAL_API_SECRET, if any
        )
        # relogin_on_expiry=False: logins go through this manager (locks, Redis), not the
        # client on its own.
        return MotilalClient(self._motilal, credentials, http=self._http, relogin_on_expiry=False)

    async def _login(self, account: Account, entry: _Entry) -> BrokerSession:
        client_id = account.client_id
        with bound(client_id=client_id):
            await self._set_state(account, LOGGING_IN)
            try:
                client = self._client(account)
            except CredentialsUnavailable as error:
                await self._set_state(
                    account, FAILED, reason=error.reason, error_code="CREDENTIALS"
                )
                raise SessionUnavailable(
                    client_id, error.reason, "CREDENTIALS", state=FAILED
                ) from None
            try:
                session = await client.login()
            except LoginFailed as error:
                reason = f"{error.category.value} ({error.code}: {error.reason})"
                log.warning("login of %s refused: %s", client_id, reason)
                await self._set_state(account, FAILED, reason=reason, error_code=error.code)
                raise SessionUnavailable(client_id, reason, error.code, state=FAILED) from None
            except MotilalError as error:
                reason = f"Motilal could not be reached for the login: {error}"
                log.warning("login of %s not done: %s", client_id, reason)
                await self._set_state(account, LOGGED_OUT, reason=reason)
                raise SessionUnavailable(client_id, reason, state=LOGGED_OUT) from None
            except Exception as error:
                # Not Motilal's answer: our side cannot make the login (e.g. a TOTP secret the
                # generator refuses). Retrying will not help; it needs new credentials.
                reason = f"the login could not be made: {type(error).__name__}: {error}"[:300]
                log.error("login of %s not possible: %s", client_id, reason)
                await self._set_state(account, FAILED, reason=reason, error_code="LOGIN_ERROR")
                raise SessionUnavailable(client_id, reason, "LOGIN_ERROR", state=FAILED) from None
            if not session.verified:
                entry.pending_otp = client
                await self._store_token(
                    account, client, verified=False,
                    ttl=timedelta(seconds=self._otp_wait), expires_at=session.expires_at,
                )  # fmt: skip
                reason = (
                    "an OTP was sent to the client's registered mobile and e-mail: submit it "
                    "with POST /api/v1/clients/{id}/otp (or store a TOTP secret)"
                )
                await self._set_state(account, OTP_REQUIRED, reason=reason)
                raise SessionUnavailable(client_id, reason, state=OTP_REQUIRED)
            return await self._activate(account, entry, client, session.expires_at)

    async def _activate(
        self, account: Account, entry: _Entry, client: MotilalClient, expires_at: datetime
    ) -> BrokerSession:
        await self._store_token(
            account, client, verified=True,
            ttl=expires_at - datetime.now(UTC), expires_at=expires_at,
        )  # fmt: skip
        token = client.session.auth_token.get_secret_value() if client.session else None
        entry.session = BrokerSession(
            account.client_id, account.motilal_client_id, client, expires_at
        )
        entry.token = token
        entry.pending_otp = None
        entry.obtained_at = time.monotonic()
        await self._set_state(account, ACTIVE, expires_at=expires_at)
        log.info("client %s logged in to Motilal until %s", account.client_id, expires_at)
        self._ready(entry.session)
        return entry.session

    def _ready(self, session: BrokerSession) -> None:
        if self.on_ready is not None:
            self.on_ready(session.client_id, session.client)

    async def _store_token(
        self,
        account: Account,
        client: MotilalClient,
        *,
        verified: bool,
        ttl: timedelta,
        expires_at: datetime,
    ) -> None:
        assert client.session is not None
        value = json.dumps(
            {
                "token": client.session.auth_token.get_secret_value(),
                "verified": verified,
                "expires_at": expires_at.isoformat(),
                "credentials": account.credentials_hash,
            }
        )
        seconds = max(1, int(ttl.total_seconds()))
        await self._infra.redis.set(self._key_of(account), value, ex=seconds)

    async def _drop_token(self, client_id: str, *, only: str | None = None) -> None:
        key = TOKEN_KEY.format(client_id=client_id)
        if only is None:
            await self._infra.redis.delete(key)
            return
        raw = await self._infra.redis.get(key)
        if raw and json.loads(raw).get("token") == only:
            await self._infra.redis.delete(key)

    async def _set_state(
        self,
        account: Account,
        state: str,
        *,
        reason: str | None = None,
        error_code: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        await store.save_session(
            self._infra.pool,
            account.client_id,
            state,
            reason=reason,
            error_code=error_code,
            credentials_hash=account.credentials_hash,
            expires_at=expires_at,
        )
        await self._publish(
            SessionChanged(
                correlation_id=correlation_id() or new_id(),
                actor=ACTOR,
                client_id=account.client_id,
                state=state,
                error_code=error_code,
                reason=reason,
                expires_at=expires_at,
            )
        )
