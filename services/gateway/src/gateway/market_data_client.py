"""The gateway's calls to market-data for tokens: search, one instrument, reload.

Failures become errors a user can act on: market-data's own 404/409/422 pass through with
its detail; an unreachable market-data is a 503 that says so, never a bare 500.
"""

from typing import Annotated, Any

import httpx
from common.enums import Exchange
from common.http import service_client
from fastapi import Depends, HTTPException, Request, status

from gateway import deps

_PASS_THROUGH = {404, 409, 422, 502}


class MarketDataClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def _call(self, method: str, path: str, **kwargs: Any) -> Any:
        try:
            response = await self.client.request(method, path, **kwargs)
        except httpx.HTTPError as error:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"market-data is unavailable ({type(error).__name__}); try again shortly",
            ) from error
        if response.status_code in _PASS_THROUGH:
            raise HTTPException(response.status_code, _detail(response))
        if response.status_code >= 400:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"market-data answered HTTP {response.status_code}; try again shortly",
            )
        return response.json()

    async def search(self, q: str, limit: int) -> list[dict[str, Any]]:
        found: list[dict[str, Any]] = await self._call(
            "GET", "/internal/tokens/search", params={"q": q, "limit": limit}
        )
        return found

    async def instrument(self, token: int, exchange: Exchange | None) -> dict[str, Any]:
        params = {"exchange": exchange.value} if exchange else {}
        found: dict[str, Any] = await self._call(
            "GET", f"/internal/instruments/{token}", params=params
        )
        return found

    async def reload(self, body: dict[str, Any]) -> dict[str, Any]:
        # A full exchange master takes a few seconds to download and load.
        result: dict[str, Any] = await self._call(
            "POST", "/internal/instruments/reload", json=body, timeout=120
        )
        return result


def _detail(response: httpx.Response) -> Any:
    try:
        return response.json().get("detail", response.text)
    except ValueError:
        return response.text


async def market_data_client(request: Request) -> MarketDataClient:
    client: httpx.AsyncClient | None = getattr(request.app.state, "market_data_http", None)
    if client is None:
        client = service_client(deps.settings(request).market_data_url)
        request.app.state.market_data_http = client
    return MarketDataClient(client)


MarketData = Annotated[MarketDataClient, Depends(market_data_client)]
