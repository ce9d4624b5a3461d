"""The gateway's internal HTTP to its peers (order-router, portfolio, market-data).

One `Peer` per service, one pooled httpx client each, made once per gateway process and
closed when it shuts down (`peers_of(runtime)`). One error policy for every call:
- 404 is an answer: the thing asked for does not exist (None);
- any other failure (unreachable, timeout, 4xx/5xx) is `PeerUnavailable`, a 503 naming
  the peer and saying that nothing was done, never a bare 500.
A call that must pass a peer's own refusal on (market-data's 409/422) asks `send` for the
response and reads it itself.
"""

import logging
from typing import Annotated, Any
from weakref import WeakKeyDictionary

import httpx
from common.http import service_client
from common.service import ServiceRuntime
from fastapi import Depends, HTTPException, Request, status
from fastapi.exception_handlers import http_exception_handler
from starlette.responses import Response

from gateway import deps
from gateway.config import GatewaySettings

log = logging.getLogger("gateway.peers")


class PeerUnavailable(HTTPException):
    def __init__(self, peer: str, error: Exception | str) -> None:
        super().__init__(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{peer} is unavailable ({error}); try again shortly",
        )
        self.peer = peer


async def peer_unavailable(request: Request, exc: Exception) -> Response:
    """The 503 as HTTPException answers it, with its cause in the log for the operator."""
    assert isinstance(exc, PeerUnavailable)
    log.warning("%s %s: %s", request.method, request.url.path, exc.detail)
    return await http_exception_handler(request, exc)


class Peer:
    def __init__(self, name: str, client: httpx.AsyncClient) -> None:
        self.name = name
        self.client = client

    async def send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        """The peer's response whatever its status; unreachable is PeerUnavailable."""
        try:
            return await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise PeerUnavailable(self.name, type(error).__name__) from error

    async def get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        """The JSON answer, None for a 404; `params` that are None are not sent."""
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        response = await self.send("GET", path, params=clean)
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise PeerUnavailable(self.name, f"HTTP {response.status_code}")
        return response.json()


class Peers:
    """Every peer of one gateway process."""

    def __init__(self, settings: GatewaySettings) -> None:
        token = settings.internal_api_token
        self.router = Peer("the order-router", service_client(settings.order_router_url, token))
        self.portfolio = Peer(
            "the portfolio service", service_client(settings.portfolio_url, token)
        )
        self.market_data = Peer("market-data", service_client(settings.market_data_url, token))

    async def aclose(self) -> None:
        for peer in (self.router, self.portfolio, self.market_data):
            await peer.client.aclose()


_PEERS: WeakKeyDictionary[ServiceRuntime, Peers] = WeakKeyDictionary()


def peers_of(runtime: ServiceRuntime) -> Peers:
    """The runtime's peers: made on first use, closed with the runtime."""
    peers = _PEERS.get(runtime)
    if peers is None:
        settings = runtime.settings
        assert isinstance(settings, GatewaySettings)
        peers = _PEERS[runtime] = Peers(settings)
        runtime.on_shutdown(peers.aclose)
    return peers


async def _peers(request: Request) -> Peers:
    return peers_of(deps.runtime(request))


PeersDep = Annotated[Peers, Depends(_peers)]
