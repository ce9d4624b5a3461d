"""HTTP plumbing shared by services: correlation ids in, correlation ids out."""

import re
from collections.abc import Awaitable, Callable
from urllib.parse import parse_qsl, quote, unquote

import asyncpg
import httpx
from fastapi import Request, Response
from fastapi.responses import JSONResponse

from common.ids import new_id
from common.logs import bound, correlation_id

CORRELATION_HEADER = "X-Correlation-ID"
MAX_OFFSET = 1_000_000
"""The deepest page a list endpoint serves: past it, narrow the filters instead."""


async def correlation_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Take the caller's correlation id (or mint one) and carry it through logs and calls."""
    cid = request.headers.get(CORRELATION_HEADER) or new_id()
    with bound(correlation_id=cid):
        response = await call_next(request)
    response.headers[CORRELATION_HEADER] = cid
    return response


_CONTROL = re.compile(r"[\x00-\x1f\x7f]")


def _unprocessable(loc: list[str], msg: str) -> JSONResponse:
    return JSONResponse({"detail": [{"loc": loc, "msg": msg, "type": "value_error"}]}, 422)


async def reject_control_characters(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """No id, filter or name of ours holds a control character; one in the URL is a 422
    naming where it is, before it can break an internal URL or a PostgreSQL text value."""
    if _CONTROL.search(unquote(request.url.path)):
        return _unprocessable(["path"], "the path holds a control character")
    for name, value in parse_qsl(request.url.query, keep_blank_values=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            return _unprocessable(["query", name], "the value holds a control character")
    return await call_next(request)


async def unstorable_text(request: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL cannot store NUL in text: a body that carries one is the caller's error."""
    return _unprocessable(["body"], "a text value holds a NUL character, which cannot be stored")


UNSTORABLE_TEXT_ERRORS = (
    asyncpg.exceptions.CharacterNotInRepertoireError,
    asyncpg.exceptions.UntranslatableCharacterError,
)


async def _propagate(request: httpx.Request) -> None:
    cid = correlation_id()
    if cid and CORRELATION_HEADER not in request.headers:
        request.headers[CORRELATION_HEADER] = cid


def path_segment(value: str | int) -> str:
    """A caller-given id as one URL path segment: control characters, '/', '?' and '#' are
    escaped, so they can neither break the URL (a 500) nor reach another internal path."""
    return quote(str(value), safe="")


def service_client(base_url: str, timeout: float = 5.0) -> httpx.AsyncClient:
    """A pooled client for another service's internal API that forwards the correlation id."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        event_hooks={"request": [_propagate]},
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
    )
