"""The shared, pooled httpx client: one per process, used by every account's MotilalClient.

Requests wait at a gate of `max_connections` before they reach httpcore's pool: the pool
rescans every queued request against every connection each time one starts or ends, so a
1,000-order burst queued inside it costs quadratic CPU; queued at the gate it costs none.
"""

import asyncio
from collections.abc import AsyncIterator, Callable

import httpx

from motilal.config import MotilalSettings


def make_http_client(settings: MotilalSettings) -> httpx.AsyncClient:
    timeout = httpx.Timeout(
        settings.read_timeout, connect=settings.connect_timeout, pool=settings.connect_timeout
    )
    limits = httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_connections,
    )
    transport = GatedTransport(httpx.AsyncHTTPTransport(limits=limits), settings.max_connections)
    return httpx.AsyncClient(base_url=settings.hosts.rest, timeout=timeout, transport=transport)


class GatedTransport(httpx.AsyncBaseTransport):
    """At most `limit` requests inside the wrapped transport; a slot is held until the
    response body is closed (the connection is busy until then)."""

    def __init__(self, inner: httpx.AsyncBaseTransport, limit: int) -> None:
        self._inner = inner
        self._limit = limit
        self._gate: asyncio.Semaphore | None = None

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        if self._gate is None:
            self._gate = asyncio.Semaphore(self._limit)
        await self._gate.acquire()
        try:
            response = await self._inner.handle_async_request(request)
        except BaseException:
            self._gate.release()
            raise
        response.stream = _Releasing(response.stream, self._gate.release)  # type: ignore[arg-type]
        return response

    async def aclose(self) -> None:
        await self._inner.aclose()


class _Releasing(httpx.AsyncByteStream):
    def __init__(self, inner: httpx.AsyncByteStream, release: Callable[[], None]) -> None:
        self._inner = inner
        self._release: Callable[[], None] | None = release

    async def __aiter__(self) -> AsyncIterator[bytes]:
        async for chunk in self._inner:
            yield chunk

    async def aclose(self) -> None:
        try:
            await self._inner.aclose()
        finally:
            release, self._release = self._release, None
            if release is not None:
                release()
