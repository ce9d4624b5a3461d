"""The gateway's calls to internal services for orders: the order-router's read API and
market-data's instruments. One pooled httpx client per service per process.

Failures become HTTP errors a user can act on: 404 names what was not found, 503 says
which service is unavailable (and that nothing was placed), never a bare 500.

Instruments change only when the token master is reloaded, so a tradeable instrument is
kept for `instrument_cache_seconds` (GatewaySettings) instead of one market-data call per
order; an unknown or untradeable token is asked again every time (its 422 stays exact).
"""

import time
from typing import Annotated, Any, cast

import httpx
from common.contracts.instruments import Instrument, InstrumentDetails
from common.enums import Exchange
from common.http import path_segment, service_client
from fastapi import Depends, HTTPException, Request, status

from gateway import deps


class ServiceUnavailable(HTTPException):
    def __init__(self, service: str, error: Exception | str) -> None:
        super().__init__(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"{service} is unavailable ({error}); try again shortly",
        )


class UnknownInstrument(Exception):
    def __init__(self, message: str, field: str = "token_id") -> None:
        super().__init__(message)
        self.field = field


class RouterClient:
    """Reads of the order-router's internal API (orders, batches, kill switch)."""

    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        try:
            response = await self.client.get(path, params=params)
        except httpx.HTTPError as error:
            raise ServiceUnavailable("the order-router", type(error).__name__) from error
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise ServiceUnavailable("the order-router", f"HTTP {response.status_code}")
        return response.json()

    async def order(self, order_id: str) -> dict[str, Any] | None:
        path = f"/internal/orders/{path_segment(order_id)}"
        return cast(dict[str, Any] | None, await self._get(path))

    async def orders(self, params: dict[str, Any]) -> dict[str, Any]:
        clean = {k: v for k, v in params.items() if v is not None}
        return cast(dict[str, Any], await self._get("/internal/orders", clean))

    async def batch(self, batch_id: str) -> dict[str, Any] | None:
        path = f"/internal/batches/{path_segment(batch_id)}"
        return cast(dict[str, Any] | None, await self._get(path))

    async def kill_switch(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self._get("/internal/kill-switch"))


class InstrumentCache:
    """Tradeable instruments by (token, exchange asked), each for `seconds` (per process)."""

    def __init__(self, seconds: float, max_entries: int = 20_000) -> None:
        self.seconds = seconds
        self.max_entries = max_entries
        self._found: dict[tuple[int, Exchange | None], tuple[float, Instrument]] = {}

    def get(self, token: int, exchange: Exchange | None) -> Instrument | None:
        found = self._found.get((token, exchange))
        if found is None or found[0] <= time.monotonic():
            return None
        return found[1]

    def put(self, token: int, exchange: Exchange | None, instrument: Instrument) -> None:
        if self.seconds <= 0:
            return
        if len(self._found) >= self.max_entries:
            self._found.clear()  # far more tokens than any desk trades: start over
        self._found[(token, exchange)] = (time.monotonic() + self.seconds, instrument)


class InstrumentClient:
    """Instruments from market-data (`GET /internal/instruments/{token}`)."""

    def __init__(self, client: httpx.AsyncClient, cache: InstrumentCache | None = None) -> None:
        self.client = client
        self.cache = cache or InstrumentCache(0)

    async def get(self, token: int, exchange: Exchange | None) -> Instrument:
        cached = self.cache.get(token, exchange)
        if cached is not None:
            return cached
        instrument = await self._fetch(token, exchange)
        self.cache.put(token, exchange, instrument)
        return instrument

    async def _fetch(self, token: int, exchange: Exchange | None) -> Instrument:
        params = {"exchange": exchange.value} if exchange else {}
        try:
            response = await self.client.get(f"/internal/instruments/{token}", params=params)
        except httpx.HTTPError as error:
            raise ServiceUnavailable("market-data", type(error).__name__) from error
        if response.status_code == 404:
            where = f" on {exchange}" if exchange else ""
            raise UnknownInstrument(f"token {token}{where} is not in the instrument master")
        if response.status_code == 409:
            raise UnknownInstrument(_detail(response), field="exchange")
        if response.status_code >= 400:
            raise ServiceUnavailable("market-data", f"HTTP {response.status_code}")
        details = InstrumentDetails.model_validate(response.json())
        if not details.tradeable:
            raise UnknownInstrument(
                f"token {token} ({details.symbol}, {details.instrument_type}) cannot be ordered"
            )
        return details.instrument()


def _detail(response: httpx.Response) -> str:
    try:
        return str(response.json().get("detail"))
    except ValueError:
        return response.text


def _client(request: Request, name: str, base_url: str) -> httpx.AsyncClient:
    clients: dict[str, httpx.AsyncClient] = request.app.state.__dict__.setdefault(
        "order_http_clients", {}
    )
    if name not in clients:
        clients[name] = service_client(base_url)
    return clients[name]


# The dependencies are async: FastAPI runs a plain `def` one in its thread pool per request.
async def router_client(request: Request) -> RouterClient:
    settings = deps.settings(request)
    return RouterClient(_client(request, "order-router", settings.order_router_url))


async def instrument_client(request: Request) -> InstrumentClient:
    settings = deps.settings(request)
    cache: InstrumentCache | None = getattr(request.app.state, "instrument_cache", None)
    if cache is None:
        cache = InstrumentCache(settings.instrument_cache_seconds)
        request.app.state.instrument_cache = cache
    return InstrumentClient(_client(request, "market-data", settings.market_data_url), cache)


Router = Annotated[RouterClient, Depends(router_client)]
Instruments = Annotated[InstrumentClient, Depends(instrument_client)]
