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
- A client of another egress pool (egress.py) gets no session here: its calls must leave
  from its own pool's address.
- A client registered through a dealer has no login of its own: every call above acts on
  the dealer's session (named dealer_key(dealer_id), handled exactly like a client's) and
  hands out the client's view of it (dealers.py).

Beside it: login.py does one login (client, answer -> state, SessionChanged), shared_token.py
keeps the token in Redis, session.py holds BrokerSession, SessionUnavailable and the
per-process Entry, dealers.py routes a dealer's clients to the dealer's session.
"""

import contextlib
import logging
import time
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from common.contracts.accounts import dealer_of_key
from common.logs import bound
from motilal.client import MotilalClient
from motilal.config import MotilalSettings
from motilal.errors import LoginFailed, MotilalError
from nacl.public import PrivateKey
from redis.exceptions import LockError

from broker_adapter.egress import EgressPools, pool_of_registered
from broker_adapter.sessions import store_sessions
from broker_adapter.sessions.credentials import CredentialsUnavailable
from broker_adapter.sessions.dealers import DealerRoutes, Route
from broker_adapter.sessions.login import (
    ACTIVE,
    FAILED,
    LOGGED_OUT,
    LOGGING_IN,
    OTP_REQUIRED,
    Infra,
    LoginFlow,
    Publish,
)
from broker_adapter.sessions.session import BrokerSession, Entry, SessionUnavailable
from broker_adapter.sessions.shared_token import SharedTokens
from broker_adapter.sessions.source import SessionReady, SessionSource
from broker_adapter.sessions.store_sessions import Account, SessionRow

log = logging.getLogger(__name__)

LOCK_KEY = "broker-adapter:login-lock:{client_id}"
EGRESS_POOL_ERROR = "EGRESS_POOL"
"""error_code of a command this adapter must not run from its address (egress.py)"""


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
        fallback: SessionSource | None = None,
        egress: EgressPools | None = None,
    ) -> None:
        self._infra = infra
        self._egress = egress or EgressPools()
        self._lock_seconds = login_lock_seconds
        self._fallback = fallback
        self._entries: dict[str, Entry] = {}
        self._dealers = DealerRoutes(infra)
        self._flow = LoginFlow(
            infra,
            publish,
            private_key=private_key,
            motilal=motilal or MotilalSettings(),
            otp_wait_seconds=otp_wait_seconds,
            on_ready=self._ready,
        )
        self.on_ready: SessionReady | None = None
        """Told of every session that becomes usable (the tracker opens its order stream)."""

    # ---- the interface execution uses ------------------------------------------------------

    async def session_for(self, client_id: str) -> BrokerSession:
        return await self._routed(client_id, self._own_session)

    async def relogin(self, client_id: str) -> BrokerSession:
        """A new session after MO8001/MO8002 (for a dealer's client: the dealer's)."""
        return await self._routed(client_id, self._relogin_own)

    async def _routed(
        self, client_id: str, own: Callable[[str], Awaitable[BrokerSession]]
    ) -> BrokerSession:
        """`own(client_id)`; for a dealer's client, `own` of its dealer, in the client's view."""
        route = await self._dealers.route(client_id)
        if route is None:
            return await own(client_id)
        try:
            dealer = await own(route.dealer_key)
        except SessionUnavailable as error:
            raise self._dealers.unavailable(route, error) from None
        return self._dealers.through(route, dealer)

    async def _own_session(self, client_id: str) -> BrokerSession:
        entry = self._entry(client_id)
        live = self._live(entry)
        if live is not None:
            return live
        async with entry.lock:
            live = self._live(entry)
            if live is not None:
                return live
            return await self._obtain(client_id, entry, force=False)

    async def _relogin_own(self, client_id: str) -> BrokerSession:
        """A new session of the client (or dealer) itself after MO8001/MO8002.

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
        """A fresh login now, even after a FAILED one (an admin fixed something). For a
        dealer's client, the dealer logs in again (for all its clients)."""
        route = await self._dealers.route(client_id)
        if route is not None:
            await self.login(route.dealer_key)
            return await self.status(client_id)
        if await self._why_not_here(client_id) is not None:
            return await self.status(client_id)  # its own pool's to log in
        await self._login_afresh(client_id, force=True)
        return await self.status(client_id)

    async def verify_otp(self, client_id: str, otp: str) -> SessionRow:
        """Completes an OTP login; raises SessionUnavailable with the reason if refused."""
        route = await self._dealers.route(client_id)
        if route is not None:
            try:
                await self.verify_otp(route.dealer_key, otp)
            except SessionUnavailable as error:
                raise self._dealers.unavailable(route, error) from None
            return await self.status(client_id)
        why = await self._why_not_here(client_id)
        if why is not None:
            raise SessionUnavailable(client_id, why, EGRESS_POOL_ERROR, state=FAILED)
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
                await self._tokens.drop(client_id)
                await self._flow.set_state(account, FAILED, reason=reason, error_code=error.code)
                raise SessionUnavailable(client_id, reason, error.code, state=FAILED) from None
            except MotilalError as error:
                raise SessionUnavailable(client_id, str(error), state=OTP_REQUIRED) from None
            await self._flow.activate(account, entry, client, session.expires_at)
        return await self.status(client_id)

    async def status(self, client_id: str) -> SessionRow:
        row = await store_sessions.get_session(self._infra.pool, client_id)
        if row is None:
            return SessionRow(client_id, LOGGED_OUT, None, None, None, None, datetime.now(UTC))
        return row

    # ---- registry changes and schedules -----------------------------------------------------

    async def credentials_changed(self, client_id: str) -> None:
        """New or replaced credentials: forget the old session and any FAILED verdict."""
        self._dealers.forget(client_id)
        entry = self._entry(client_id)
        async with entry.lock:
            self._forget(entry)
            await self._tokens.drop(client_id)

    async def refresh(self, client_id: str) -> None:
        """Log in afresh (daily, before the market opens), unless the client needs a human.
        A dealer's client (just registered) takes the dealer's session and its state."""
        route = await self._dealers.route(client_id)
        if route is not None:
            await self._join_dealer(route)
            return
        if await self._why_not_here(client_id) is not None:
            return  # its own pool logs it in (dropping its token here would undo that)
        await self._login_afresh(client_id, force=False)

    async def _login_afresh(self, client_id: str, *, force: bool) -> None:
        """Drops the client's session and token and logs in again (`force`: even after a
        FAILED login); a refused login is recorded in its state, not raised."""
        entry = self._entry(client_id)
        async with entry.lock:
            self._forget(entry)
            await self._tokens.drop(client_id)
            with contextlib.suppress(SessionUnavailable):
                await self._obtain(client_id, entry, force=force)

    async def aclose(self) -> None:
        await self._flow.aclose()

    async def _join_dealer(self, route: Route) -> None:
        """Mark the client with its dealer's session state (obtained if need be)."""
        try:
            dealer = await self._own_session(route.dealer_key)
        except SessionUnavailable as error:
            told = self._dealers.unavailable(route, error)
            await self._flow.set_state(
                route.account, told.state or LOGGED_OUT, reason=told.reason,
                error_code=told.error_code,
            )  # fmt: skip
            return
        await self._flow.set_state(route.account, ACTIVE, expires_at=dealer.expires_at)

    # ---- inside ----------------------------------------------------------------------------

    @property
    def _tokens(self) -> SharedTokens:
        return self._flow.tokens

    def _entry(self, client_id: str) -> Entry:
        entry = self._entries.get(client_id)
        if entry is None:
            entry = self._entries[client_id] = Entry()
        return entry

    def _live(self, entry: Entry) -> BrokerSession | None:
        """The session unless it has reached its expiry (06:00 IST)."""
        session = entry.session
        if session is None or session.expires_at <= datetime.now(UTC):
            return None
        return session

    async def _discard_dead(self, client_id: str, entry: Entry) -> None:
        """Forget a dead session, and its token in Redis unless a newer one replaced it."""
        dead = entry.token
        self._forget(entry)
        if dead is not None:
            await self._tokens.drop(client_id, only=dead)

    def _forget(self, entry: Entry) -> None:
        entry.session = None
        entry.token = None
        entry.pending_otp = None

    async def _account(self, client_id: str) -> Account:
        account = await store_sessions.get_account(self._infra.pool, client_id)
        if account is None:
            raise SessionUnavailable(
                client_id, "client is not in the adapter's registry (yet)", state=LOGGED_OUT
            )
        return account

    async def _obtain(self, client_id: str, entry: Entry, *, force: bool) -> BrokerSession:
        account = await store_sessions.get_account(self._infra.pool, client_id)
        self._refuse_other_pools(client_id, account)
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
                return await self._flow.login(account, entry)
        except LockError as error:
            raise SessionUnavailable(
                client_id, "another replica is still logging this client in", state=LOGGING_IN
            ) from error

    async def _why_not_here(self, client_id: str) -> str | None:
        """Why this adapter must not act for the client (another egress pool's), or None."""
        if self._egress.every_client:
            return None
        account = await store_sessions.get_account(self._infra.pool, client_id)
        return self._egress.why_not(client_id, pool_of_registered(account))

    def _refuse_other_pools(self, client_id: str, account: Account | None) -> None:
        """Every login and adopted token passes here: a client of another egress pool (or
        of none deployed) is never called from this adapter's address. FAILED, so its
        command is rejected at once; not saved, the session row is its own pool's."""
        why = self._egress.why_not(client_id, pool_of_registered(account))
        if why is not None:
            raise SessionUnavailable(client_id, why, EGRESS_POOL_ERROR, state=FAILED)

    async def _refuse_if_needs_human(self, account: Account) -> None:
        row = await store_sessions.get_session(self._infra.pool, account.client_id)
        if row is None or row.credentials_hash != account.credentials_hash:
            return
        if row.state == FAILED:
            raise SessionUnavailable(
                account.client_id, row.reason or "login failed", row.error_code, state=FAILED
            )
        if row.state == OTP_REQUIRED and await self._tokens.exists(account):
            raise SessionUnavailable(
                account.client_id,
                row.reason or "waiting for the OTP sent to the client",
                row.error_code,
                state=OTP_REQUIRED,
            )

    async def _adopt_shared(self, account: Account, entry: Entry) -> BrokerSession | None:
        """The verified token another replica (or an earlier run) stored, if still good."""
        stored = await self._tokens.read(account)
        if stored is None or not stored.verified or stored.expires_at <= datetime.now(UTC):
            return None
        try:
            client = self._flow.client(account)
        except CredentialsUnavailable:
            return None  # the login path records why
        client.use_token(stored.token)
        entry.session = BrokerSession(
            account.client_id, account.motilal_client_id, client, stored.expires_at
        )
        entry.token = stored.token
        entry.obtained_at = time.monotonic()
        self._ready(entry.session)
        return entry.session

    async def _pending_from_redis(self, account: Account) -> MotilalClient | None:
        stored = await self._tokens.read(account)
        if stored is None or stored.verified:
            return None
        try:
            client = self._flow.client(account)
        except CredentialsUnavailable:
            return None
        client.use_token(stored.token, verified=False)
        return client

    def _ready(self, session: BrokerSession) -> None:
        # A dealer's own stream carries all its clients' frames under no client of ours:
        # its clients are followed by book reads (the tracker polls a client without one).
        if self.on_ready is not None and dealer_of_key(session.client_id) is None:
            self.on_ready(session.client_id, session.client)
