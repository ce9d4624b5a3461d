"""The pooled connection to Motilal's REST host: one per process (and per local address),
shared by every account's MotilalClient.

aiohttp directly, with nothing above it: every call is a POST of a small JSON body to one
of a dozen paths, so a general client's request building, URL merging and cookie handling
were pure cost (through httpx they were as much CPU as aiohttp's own socket work, about a
sixth of the adapter's CPU in a 100-client burst; see the README's speed notes).

Waiting for a free connection is never timed out as if Motilal were slow: only connecting
and reading are (a timed-out place is an unknown outcome, settled from the order book).
"""

import asyncio
from contextlib import AbstractAsyncContextManager
from dataclasses import dataclass

import aiohttp
from yarl import URL

from motilal.config import MotilalSettings


class NeverSent(Exception):
    """No connection was made: the request carried nothing to Motilal."""


class AnswerLost(Exception):
    """The request may have reached Motilal, but no full answer came back (a timeout, a
    dropped connection): the outcome of a write is unknown."""


# A connection never made carried nothing; every other failure may follow a sent request.
_NEVER_CONNECTED = (aiohttp.ClientConnectorError, aiohttp.ConnectionTimeoutError)


@dataclass(frozen=True, slots=True)
class Answer:
    status: int
    body: bytes


class MotilalHttp:
    """Keep-alive connections to the REST host, at most `max_connections` of them."""

    def __init__(self, settings: MotilalSettings, local_address: str | None = None) -> None:
        """`local_address`: the address connections leave from (a client's registered static
        IP must be the source of its calls); None: the host's default route."""
        self._base = settings.hosts.rest
        self._limit = settings.max_connections
        self._idle_s = settings.idle_connection_seconds
        self._local_address = local_address
        self._timeout = aiohttp.ClientTimeout(
            total=None, sock_connect=settings.connect_timeout, sock_read=settings.read_timeout
        )
        self._session: aiohttp.ClientSession | None = None
        self._urls: dict[str, URL] = {}

    def _url(self, path: str) -> URL:
        url = self._urls.get(path)
        if url is None:  # parsed once per path: a dozen in all
            url = self._urls[path] = URL(self._base + path)
        return url

    def _open(self) -> aiohttp.ClientSession:
        # made on first use, inside the running loop that will drive it
        if self._session is None:
            local = None if self._local_address is None else (self._local_address, 0)
            connector = aiohttp.TCPConnector(
                limit=self._limit,
                limit_per_host=self._limit,
                local_addr=local,
                keepalive_timeout=self._idle_s,
            )
            self._session = aiohttp.ClientSession(
                connector=connector, timeout=self._timeout, cookie_jar=aiohttp.DummyCookieJar()
            )
        return self._session

    async def post(self, path: str, body: bytes, headers: dict[str, str]) -> Answer:
        return await self._answer(self._open().post(self._url(path), data=body, headers=headers))

    async def get(self, path: str, params: dict[str, str]) -> Answer:
        return await self._answer(self._open().get(self._url(path), params=params))

    @staticmethod
    async def _answer(request: AbstractAsyncContextManager[aiohttp.ClientResponse]) -> Answer:
        try:
            async with request as response:
                return Answer(response.status, await response.read())
        except _NEVER_CONNECTED as exc:
            raise NeverSent(type(exc).__name__) from exc
        except TimeoutError as exc:
            raise AnswerLost("ReadTimeout") from exc
        except aiohttp.ClientError as exc:
            raise AnswerLost(type(exc).__name__) from exc

    async def aclose(self) -> None:
        session, self._session = self._session, None
        if session is not None:
            await session.close()

    async def __aenter__(self) -> "MotilalHttp":
        return self

    async def __aexit__(self, *exc: object) -> None:
        await self.aclose()


class HttpClients:
    """The pooled connections of one process: the default one, and one per local address
    that an account with its own network identity calls from. Opened on first use."""

    def __init__(self, settings: MotilalSettings) -> None:
        self._settings = settings
        self._clients: dict[str | None, MotilalHttp] = {}

    def leaving_from(self, local_address: str | None = None) -> MotilalHttp:
        client = self._clients.get(local_address)
        if client is None:
            client = self._clients[local_address] = MotilalHttp(self._settings, local_address)
        return client

    async def aclose(self) -> None:
        clients, self._clients = list(self._clients.values()), {}
        await asyncio.gather(*(client.aclose() for client in clients))
