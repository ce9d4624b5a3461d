"""HTTP plumbing shared by services: correlation ids in, correlation ids out."""

import logging
import socket
from urllib.parse import quote

import aiokafka.errors
import asyncpg
import httpx
import redis.exceptions
from fastapi import Request
from fastapi.responses import JSONResponse
from httpx_aiohttp import AiohttpTransport
from pydantic import SecretStr
from starlette.datastructures import Headers, MutableHeaders
from starlette.types import ASGIApp, Message, Receive, Scope, Send

from common.ids import new_id
from common.internal_auth import internal_headers
from common.logs import bound, correlation_id

CORRELATION_HEADER = "X-Correlation-ID"
MAX_OFFSET = 1_000_000
"""The deepest page a list endpoint serves: past it, narrow the filters instead."""


class HttpMiddleware:
    """A plain ASGI middleware (no task group, no body streams, unlike Starlette's
    BaseHTTPMiddleware) that acts on HTTP requests only: `handle` sees each one, and
    every other scope (lifespan, websocket) passes through untouched."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        await self.handle(scope, receive, send)

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        raise NotImplementedError


class CorrelationIds(HttpMiddleware):
    """Takes the caller's correlation id (or mints one), binds it for logs and internal
    calls, and returns it in the response."""

    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        cid = Headers(scope=scope).get(CORRELATION_HEADER) or new_id()

        async def send_with_id(message: Message) -> None:
            if message["type"] == "http.response.start":
                MutableHeaders(scope=message)[CORRELATION_HEADER] = cid
            await send(message)

        with bound(correlation_id=cid):
            await self.app(scope, receive, send_with_id)


async def _propagate(request: httpx.Request) -> None:
    cid = correlation_id()
    if cid and CORRELATION_HEADER not in request.headers:
        request.headers[CORRELATION_HEADER] = cid


def path_segment(value: str | int) -> str:
    """A caller-given id as one URL path segment: control characters, '/', '?' and '#' are
    escaped, so they can neither break the URL (a 500) nor reach another internal path."""
    return quote(str(value), safe="")


def service_client(
    base_url: str, token: SecretStr | str, timeout: float = 5.0
) -> httpx.AsyncClient:
    """A pooled client for another service's internal API: it presents the deployment's
    INTERNAL_API_TOKEN (common.internal_auth) and forwards the correlation id."""
    secret = token.get_secret_value() if isinstance(token, SecretStr) else token
    # idle connections are dropped before uvicorn's 5 s keep-alive closes them: with both at
    # 5 s, a request sent on a connection the server was closing failed (RemoteProtocolError,
    # a 503 to the user)
    limits = httpx.Limits(max_connections=50, keepalive_expiry=2.0)
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        headers=internal_headers(secret),
        event_hooks={"request": [_propagate]},
        # aiohttp queues requests waiting for a connection in O(1); httpcore's pool rescanned
        # every queued one on each start and end (py-spy: a tenth of the gateway's CPU at 200
        # orders/s went there)
        transport=AiohttpTransport(limits=limits),
    )


RETRY_AFTER_SECONDS = 2
"""What an outage answer asks a client to wait: clients reconnect on their own meanwhile."""

OUTAGE_ERRORS: tuple[type[Exception], ...] = (
    ConnectionError,  # refused, reset, aborted: any server we talk to is down
    socket.gaierror,
    TimeoutError,
    asyncpg.exceptions.PostgresConnectionError,
    # the server went away between a query's protocol steps: "cannot switch to state 12;
    # another operation (2) is in progress" (the outage drill met it as a 500)
    asyncpg.exceptions.InternalClientError,
    asyncpg.exceptions.OperatorInterventionError,  # shutting down, starting up
    asyncpg.exceptions.TooManyConnectionsError,
    redis.exceptions.ConnectionError,
    redis.exceptions.TimeoutError,
    aiokafka.errors.KafkaError,
)
"""PostgreSQL, Redis or Kafka unreachable: the request may succeed if tried again."""

_DEAD_CONNECTION = (
    asyncpg.exceptions.PostgresConnectionError,
    asyncpg.exceptions.InternalClientError,
    ConnectionError,
)
"""Outages after which the pooled PostgreSQL connections are all suspect."""

_log = logging.getLogger(__name__)


async def infrastructure_unavailable(request: Request, exc: Exception) -> JSONResponse:
    """An outage met by a request is a 503 with Retry-After, never a 500. The error's text
    may hold a connection string: only the log sees it."""
    _log.warning("%s %s met an outage: %r", request.method, request.url.path, exc)
    if isinstance(exc, _DEAD_CONNECTION):
        await _reset_pool(request)
    return JSONResponse(
        {"detail": f"a platform dependency is unavailable ({type(exc).__name__}); try again"},
        status_code=503,
        headers={"Retry-After": str(RETRY_AFTER_SECONDS)},
    )


async def _reset_pool(request: Request) -> None:
    """After PostgreSQL restarts, every pooled connection is dead: replace them all at their
    next use instead of meeting each one in a failed request."""
    runtime = getattr(request.app.state, "runtime", None)
    pool = getattr(runtime, "_pool", None)
    if isinstance(pool, asyncpg.Pool):
        await pool.expire_connections()
