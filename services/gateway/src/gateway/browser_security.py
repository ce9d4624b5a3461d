"""Browser hardening headers, and the ops pages a deployment may close (plain ASGI).

Every HTTP answer carries a Content-Security-Policy that allows only the gateway's own
scripts, styles and connections (no inline script, no framing, no plugins), plus
X-Frame-Options, Referrer-Policy and X-Content-Type-Options; HSTS is added when the
request came over HTTPS (directly, or per X-Forwarded-Proto from a trusted proxy).
Swagger UI (/docs, /redoc) loads its scripts from a CDN and starts with an inline
script, so those two pages get a policy that allows exactly that; close them with
GATEWAY_API_DOCS=false. /metrics asks for GATEWAY_METRICS_TOKEN when one is set.
"""

import hmac
from collections.abc import Sequence

from common.http import HttpMiddleware
from fastapi.responses import JSONResponse
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from gateway.auth.client_address import Network, is_trusted, networks
from gateway.config import GatewaySettings

CSP = "; ".join(
    (
        "default-src 'self'",
        "script-src 'self'",
        "style-src 'self'",
        "img-src 'self' data:",
        "connect-src 'self'",  # CSP3: 'self' covers ws:/wss: to the same host
        "object-src 'none'",
        "base-uri 'none'",
        "form-action 'self'",
        "frame-ancestors 'none'",
    )
)
_CDN = "https://cdn.jsdelivr.net"
DOCS_CSP = "; ".join(
    (
        "default-src 'self'",
        f"script-src 'self' 'unsafe-inline' {_CDN}",
        f"style-src 'self' {_CDN}",
        "img-src 'self' data: https://fastapi.tiangolo.com",
        "object-src 'none'",
        "base-uri 'none'",
        "frame-ancestors 'none'",
    )
)
DOCS_PATHS = frozenset({"/docs", "/docs/oauth2-redirect", "/redoc", "/openapi.json"})
METRICS_PATH = "/metrics"


class BrowserSecurity(HttpMiddleware):
    def __init__(self, app: ASGIApp, *, settings: GatewaySettings) -> None:
        super().__init__(app)
        self.docs = settings.api_docs
        self.metrics_token = (
            settings.metrics_token.get_secret_value().encode() if settings.metrics_token else None
        )
        self.hsts = (
            f"max-age={settings.hsts_seconds}; includeSubDomains" if settings.hsts_seconds else None
        )
        self.proxies: Sequence[Network] = networks(settings.trusted_proxies)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        path: str = scope["path"]
        headers = Headers(scope=scope)
        refusal = self._refusal(path, headers)
        policy = DOCS_CSP if path in DOCS_PATHS - {"/openapi.json"} else CSP
        hsts = self.hsts if self._https(scope, headers) else None

        async def send_hardened(message: Message) -> None:
            if message["type"] == "http.response.start":
                out = MutableHeaders(scope=message)
                out["Content-Security-Policy"] = policy
                out["X-Frame-Options"] = "DENY"
                out["Referrer-Policy"] = "no-referrer"
                out["X-Content-Type-Options"] = "nosniff"
                out["Cross-Origin-Opener-Policy"] = "same-origin"
                if hsts:
                    out["Strict-Transport-Security"] = hsts
            await send(message)

        if refusal is not None:
            await refusal(scope, receive, send_hardened)
            return
        await self.app(scope, receive, send_hardened)

    def _refusal(self, path: str, headers: Headers) -> JSONResponse | None:
        if not self.docs and path in DOCS_PATHS:
            return JSONResponse({"detail": "the API docs are off (GATEWAY_API_DOCS)"}, 404)
        if self.metrics_token is not None and path == METRICS_PATH:
            given = headers.get("authorization", "").removeprefix("Bearer ").encode()
            if not hmac.compare_digest(given, self.metrics_token):
                return JSONResponse(
                    {"detail": "metrics need the bearer token GATEWAY_METRICS_TOKEN"},
                    401,
                    headers={"WWW-Authenticate": "Bearer"},
                )
        return None

    def _https(self, scope: Scope, headers: Headers) -> bool:
        if scope.get("scheme") == "https":
            return True
        peer = scope.get("client")
        return bool(
            peer
            and is_trusted(peer[0], self.proxies)
            and headers.get("x-forwarded-proto", "").split(",")[-1].strip() == "https"
        )
