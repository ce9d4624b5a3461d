"""The shared, pooled httpx client: one per process (and per local address), used by every
account's MotilalClient.

httpx keeps the API; aiohttp moves the bytes (httpx-aiohttp's transport). httpcore's pool
cost about 3.7 ms of CPU per request with 64 in flight, aiohttp about 0.6 ms (measured on
this project's 2-core machine): at a 1,000-client burst that was most of the adapter's CPU.

Requests wait at a gate of `max_connections` before they reach the pool, so that waiting for
a free connection is never timed out as if Motilal were slow (a timed-out place is an
unknown outcome, settled from the order book).
"""

import asyncio
from collections.abc import AsyncIterator, Callable

import aiohttp
import httpx
from httpx_aiohttp import AiohttpTransport

from motilal.config import MotilalSettings


def make_http_client(
    settings: MotilalSettings, local_address: str | None = None
) -> httpx.AsyncClient:
    """`local_address`: the address outgoing connections leave from (a client's registered
    static IP must be the source of its calls); None: the host's default route."""
    timeout = httpx.Timeout(
        settings.read_timeout, connect=settings.connect_timeout, pool=settings.connect_timeout
    )
    limits = httpx.Limits(
        max_connections=settings.max_connections,
        max_keepalive_connections=settings.max_connections,
    )
    inner = _AiohttpTransport(limits=limits, local_address=local_address)
    transport = GatedTransport(inner, settings.max_connections)
    return httpx.AsyncClient(base_url=settings.hosts.rest, timeout=timeout, transport=transport)


_NEVER_CONNECTED = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


class HttpClients:
    """The pooled clients of one process: the default one, and one per local address that
    an account with its own network identity calls from. Opened on first use."""

    def __init__(self, settings: MotilalSettings) -> None:
        self._settings = settings
        self._clients: dict[str | None, httpx.AsyncClient] = {}

    def leaving_from(self, local_address: str | None = None) -> httpx.AsyncClient:
        client = self._clients.get(local_address)
        if client is None:
            client = make_http_client(self._settings, local_address)
            self._clients[local_address] = client
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        for client in clients:
            await client.aclose()


class _AiohttpTransport(AiohttpTransport):
    """httpx-aiohttp maps every aiohttp connection error to httpx.ConnectTimeout, which this
    client reads as "never sent". Only a failure to connect means that; a connection that
    broke after the request went out is a read error (the outcome of a write is unknown)."""

    async def handle_async_request(self, request: httpx.Request) -> httpx.Response:
        try:
            return await super().handle_async_request(request)
        except (httpx.ConnectError, httpx.ConnectTimeout) as exc:
            if isinstance(exc.__cause__, _NEVER_CONNECTED):
                raise
            raise httpx.ReadError(str(exc) or type(exc.__cause__).__name__) from exc.__cause__


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
