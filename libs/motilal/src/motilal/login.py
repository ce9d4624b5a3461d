"""Direct login (authdirectapi): the body, the one retry of a refused TOTP, and retries of
transient trouble.

Transient trouble (MO8000, MO5000-MO5003, timeouts, 5xx, unparseable answers) is retried with
backoff, `login_retries` attempts in all; a refusal (wrong password, locked, IP not
whitelisted...) raises LoginFailed at once: repeating a wrong password locks the account.
"""

import logging
from collections.abc import Awaitable, Callable
from datetime import UTC, datetime

from tenacity import AsyncRetrying, retry_if_exception_type, stop_after_attempt, wait_exponential

from motilal.auth import next_totp, password_hash, totp_code
from motilal.config import Credentials, MotilalSettings
from motilal.envelope import Body
from motilal.errors import (
    BrokerUnavailable,
    LoginFailed,
    LoginFailure,
    ProtocolError,
    RateLimited,
)

log = logging.getLogger("motilal.login")

Send = Callable[[Body], Awaitable[Body]]
"""Posts one login body and returns the SUCCESS answer (errors mapped by login_error_for)."""


async def direct_login(send: Send, credentials: Credentials, settings: MotilalSettings) -> Body:
    """The SUCCESS answer of a login (with its AuthToken), after the retries above."""
    retrying = AsyncRetrying(
        retry=retry_if_exception_type((BrokerUnavailable, RateLimited, ProtocolError)),
        stop=stop_after_attempt(max(1, settings.login_retries)),
        wait=wait_exponential(multiplier=settings.login_backoff_seconds, max=10),
        reraise=True,
    )
    async for attempt in retrying:
        with attempt:
            return await _login_once(send, credentials)
    raise AssertionError("unreachable")  # pragma: no cover


async def _login_once(send: Send, creds: Credentials) -> Body:
    body: Body = {
        "userid": creds.client_code.upper(),
        "password": password_hash(
            creds.password.get_secret_value(), creds.api_key.get_secret_value()
        ),
        "2FA": creds.two_fa.get_secret_value().upper(),
    }
    if creds.totp_secret is None:
        answer = await send(body)
    else:
        secret = creds.totp_secret.get_secret_value()
        sent_at = datetime.now(UTC)
        try:
            answer = await send({**body, "totp": totp_code(secret, sent_at)})
        except LoginFailed as error:
            # A code made at the end of its 30 s window can be stale when it arrives (or
            # Motilal's clock is ahead): one more try with the next code, never more.
            if error.category is not LoginFailure.TOTP:
                raise
            log.info("TOTP of %s refused (%s); one retry with the next code",
                     creds.client_code.upper(), error.code)  # fmt: skip
            answer = await send({**body, "totp": next_totp(secret, sent_at)})
    if not answer.get("AuthToken"):
        raise ProtocolError("login succeeded without an AuthToken")
    return answer
