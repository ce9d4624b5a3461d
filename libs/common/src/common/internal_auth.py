"""Service-to-service authentication: one shared secret per deployment.

The internal services (order-router, broker-adapter, portfolio, market-data) answer only a
caller that presents INTERNAL_API_TOKEN in the `X-Internal-Token` header: the gateway and
the services among themselves. Being able to reach a service on the network is not enough
to log a client in at the broker or read a book. The ops routes stay open (probes and
Prometheus carry no secret).
"""

import hmac
import logging

from fastapi.responses import JSONResponse
from pydantic import SecretStr
from starlette.datastructures import Headers
from starlette.types import ASGIApp, Receive, Scope, Send

log = logging.getLogger(__name__)

INTERNAL_TOKEN_HEADER = "X-Internal-Token"  # noqa: S105 (a header name)
TOKEN_SETTING = "INTERNAL_API_TOKEN"  # noqa: S105 (a setting name)
OPEN_PATHS = frozenset({"/health", "/ready", "/metrics"})
MIN_TOKEN_LENGTH = 32


def internal_token(token: SecretStr | str, *, dev_mode: bool) -> str:
    """The deployment's token, or a start-up error naming the setting. Only the embedded
    development mode may run without one (every caller then passes unchecked)."""
    value = token.get_secret_value() if isinstance(token, SecretStr) else token
    if dev_mode:
        if not value:
            log.warning("%s is not set: internal APIs answer any caller (dev mode)", TOKEN_SETTING)
        return value
    if len(value) < MIN_TOKEN_LENGTH:
        raise RuntimeError(
            f"{TOKEN_SETTING} must be set to a random secret of at least {MIN_TOKEN_LENGTH} "
            "characters outside development mode (the same value for every service of the "
            "deployment), e.g. `python -c 'import secrets; print(secrets.token_urlsafe(32))'`"
        )
    return value


def internal_headers(token: str) -> dict[str, str]:
    """What a caller of an internal API sends (nothing when the token is unset)."""
    return {INTERNAL_TOKEN_HEADER: token} if token else {}


class InternalAuth:
    """Refuses a request without the token (401) or with another one (403), compared in
    constant time. Plain ASGI, so it guards every route a service has, present and future."""

    def __init__(self, app: ASGIApp, token: str) -> None:
        self.app = app
        self.token = token.encode()

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if (
            not self.token
            or scope["type"] not in ("http", "websocket")
            or scope["path"] in OPEN_PATHS
        ):
            await self.app(scope, receive, send)
            return
        presented = Headers(scope=scope).get(INTERNAL_TOKEN_HEADER)
        if presented is not None and hmac.compare_digest(presented.encode(), self.token):
            await self.app(scope, receive, send)
            return
        if scope["type"] == "websocket":
            await send({"type": "websocket.close", "code": 1008})
            return
        if presented is None:
            status, detail = 401, f"an internal API: the {INTERNAL_TOKEN_HEADER} header is required"
        else:
            status, detail = 403, f"the {INTERNAL_TOKEN_HEADER} header does not match"
        await JSONResponse({"detail": detail}, status)(scope, receive, send)
