"""The login itself: a Motilal client opened from the sealed credentials, the login (or
its OTP step), what each answer makes of the session state (recorded and published as
SessionChanged), and the token shared in Redis.

The SessionManager (manager.py) decides when to log in, under its per-client locks; this
module does one login when asked.
"""

import logging
import time
from collections.abc import Awaitable, Callable
from dataclasses import KW_ONLY, dataclass, field
from datetime import UTC, datetime, timedelta
from typing import Protocol

import asyncpg
from common.contracts.accounts import SessionChanged, dealer_of_key
from common.enums import SessionState
from common.ids import new_id
from common.logs import bound, correlation_id
from motilal.client import MotilalClient
from motilal.config import Credentials, MotilalSettings
from motilal.errors import LoginFailed, MotilalError
from motilal.http import HttpClients
from motilal.identity import NetworkIdentity
from nacl.public import PrivateKey
from redis.asyncio import Redis

from broker_adapter.sessions import store_sessions
from broker_adapter.sessions.credentials import CredentialsUnavailable, unseal
from broker_adapter.sessions.session import BrokerSession, Entry, SessionUnavailable
from broker_adapter.sessions.shared_token import SharedTokens
from broker_adapter.sessions.store_sessions import Account

log = logging.getLogger(__name__)

ACTOR = "broker-adapter"
FAILED, OTP_REQUIRED, ACTIVE, LOGGING_IN, LOGGED_OUT = (
    SessionState.FAILED,
    SessionState.OTP_REQUIRED,
    SessionState.ACTIVE,
    SessionState.LOGGING_IN,
    SessionState.LOGGED_OUT,
)


class Infra(Protocol):
    """What sessions need from the service runtime (ServiceRuntime satisfies it)."""

    @property
    def pool(self) -> asyncpg.Pool: ...

    @property
    def redis(self) -> Redis: ...


Publish = Callable[[SessionChanged], Awaitable[None]]


@dataclass(eq=False)
class LoginFlow:
    infra: Infra
    publish: Publish
    _: KW_ONLY
    private_key: PrivateKey | None = field(repr=False)
    motilal: MotilalSettings
    otp_wait_seconds: int
    on_ready: Callable[[BrokerSession], None]
    _http: HttpClients = field(init=False)
    """One pooled client per local address: a client with its own network identity
    leaves from its local_ip (the host or pod must have it), the others the default."""

    def __post_init__(self) -> None:
        self._http = HttpClients(self.motilal)

    @property
    def tokens(self) -> SharedTokens:
        # Redis opens with the service, after __init__; tokens are encrypted with our key
        return SharedTokens(self.infra.redis, self.private_key)

    async def aclose(self) -> None:
        await self._http.aclose()

    def client(self, account: Account) -> MotilalClient:
        """A MotilalClient for the account; opens the sealed credentials in memory."""
        if account.sealed_credentials is None:
            raise CredentialsUnavailable("no credentials are registered for this client")
        opened = unseal(account.sealed_credentials, self.private_key)
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
        identity = identity_of(account)
        return MotilalClient(
            self.motilal,
            credentials,
            http=self._http.leaving_from(None if identity is None else identity.local_ip),
            relogin_on_expiry=False,
            identity=identity,
        )

    async def login(self, account: Account, entry: Entry) -> BrokerSession:
        client_id = account.client_id
        with bound(client_id=client_id):
            await self.set_state(account, LOGGING_IN)
            try:
                client = self.client(account)
            except CredentialsUnavailable as error:
                await self.set_state(account, FAILED, reason=error.reason, error_code="CREDENTIALS")
                raise SessionUnavailable(
                    client_id, error.reason, "CREDENTIALS", state=FAILED
                ) from None
            try:
                session = await client.login()
            except LoginFailed as error:
                reason = f"{error.category.value} ({error.code}: {error.reason})"
                log.warning("login of %s refused: %s", client_id, reason)
                await self.set_state(account, FAILED, reason=reason, error_code=error.code)
                raise SessionUnavailable(client_id, reason, error.code, state=FAILED) from None
            except MotilalError as error:
                reason = f"Motilal could not be reached for the login: {error}"
                log.warning("login of %s not done: %s", client_id, reason)
                await self.set_state(account, LOGGED_OUT, reason=reason)
                raise SessionUnavailable(client_id, reason, state=LOGGED_OUT) from None
            except Exception as error:
                # Not Motilal's answer: our side cannot make the login (e.g. a TOTP secret the
                # generator refuses). Retrying will not help; it needs new credentials.
                reason = f"the login could not be made: {type(error).__name__}: {error}"[:300]
                log.error("login of %s not possible: %s", client_id, reason)
                await self.set_state(account, FAILED, reason=reason, error_code="LOGIN_ERROR")
                raise SessionUnavailable(client_id, reason, "LOGIN_ERROR", state=FAILED) from None
            if not session.verified:
                entry.pending_otp = client
                await self.store_token(
                    account, client, verified=False,
                    ttl=timedelta(seconds=self.otp_wait_seconds), expires_at=session.expires_at,
                )  # fmt: skip
                reason = (
                    "an OTP was sent to the client's registered mobile and e-mail: submit it "
                    "with POST /api/v1/clients/{id}/otp (or store a TOTP secret)"
                )
                await self.set_state(account, OTP_REQUIRED, reason=reason)
                raise SessionUnavailable(client_id, reason, state=OTP_REQUIRED)
            return await self.activate(account, entry, client, session.expires_at)

    async def activate(
        self, account: Account, entry: Entry, client: MotilalClient, expires_at: datetime
    ) -> BrokerSession:
        await self.store_token(
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
        await self.set_state(account, ACTIVE, expires_at=expires_at)
        log.info("client %s logged in to Motilal until %s", account.client_id, expires_at)
        self.on_ready(entry.session)
        return entry.session

    async def store_token(
        self,
        account: Account,
        client: MotilalClient,
        *,
        verified: bool,
        ttl: timedelta,
        expires_at: datetime,
    ) -> None:
        assert client.session is not None
        token = client.session.auth_token.get_secret_value()
        await self.tokens.save(account, token, verified=verified, ttl=ttl, expires_at=expires_at)

    async def set_state(
        self,
        account: Account,
        state: str,
        *,
        reason: str | None = None,
        error_code: str | None = None,
        expires_at: datetime | None = None,
    ) -> None:
        """Record and publish the account's session state. A dealer's state is its clients'
        too (they have no session but the dealer's): each is marked the same, its reason
        naming the dealer, so a failed dealer login shows on every client it serves."""
        await self._record(account, state, reason, error_code, expires_at)
        dealer = dealer_of_key(account.client_id)
        if dealer is None:
            return
        through = None if reason is None else f"through dealer {dealer}: {reason}"
        for client in await store_sessions.clients_of_dealer(self.infra.pool, dealer):
            await self._record(client, state, through, error_code, expires_at)

    async def _record(
        self,
        account: Account,
        state: str,
        reason: str | None,
        error_code: str | None,
        expires_at: datetime | None,
    ) -> None:
        await store_sessions.save_session(
            self.infra.pool,
            account.client_id,
            state,
            reason=reason,
            error_code=error_code,
            credentials_hash=account.credentials_hash,
            expires_at=expires_at,
        )
        await self.publish(
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


def identity_of(account: Account) -> NetworkIdentity | None:
    """The account's own network identity (headers and source address), None: the
    deployment's."""
    own = account.network_identity
    if own is None:
        return None
    return NetworkIdentity(
        public_ip=own.public_ip, local_ip=own.local_ip, mac_address=own.mac_address
    )
