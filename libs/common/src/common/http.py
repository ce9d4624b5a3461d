"""HTTP plumbing shared by services: correlation ids in, correlation ids out."""

from collections.abc import Awaitable, Callable

import httpx
from fastapi import Request, Response

from common.ids import new_id
from common.logs import bound, correlation_id

CORRELATION_HEADER = "X-Correlation-ID"


async def correlation_middleware(
    request: Request, call_next: Callable[[Request], Awaitable[Response]]
) -> Response:
    """Take the caller's correlation id (or mint one) and carry it through logs and calls."""
    cid = request.headers.get(CORRELATION_HEADER) or new_id()
    with bound(correlation_id=cid):
        response = await call_next(request)
    response.headers[CORRELATION_HEADER] = cid
    return response


async def _propagate(request: httpx.Request) -> None:
    cid = correlation_id()
    if cid and CORRELATION_HEADER not in request.headers:
        request.headers[CORRELATION_HEADER] = cid


def service_client(base_url: str, timeout: float = 5.0) -> httpx.AsyncClient:
    """A pooled client for another service's internal API that forwards the correlation id."""
    return httpx.AsyncClient(
        base_url=base_url,
        timeout=timeout,
        event_hooks={"request": [_propagate]},
        limits=httpx.Limits(max_connections=50, max_keepalive_connections=20),
    )
