"""The gateway's reads of the portfolio's internal API (positions, funds, holders, drift).

One pooled httpx client per process. The portfolio being down is a 503 that names it (or,
for the extra funds columns of the client list, simply absent figures), never a 500.
"""

from typing import Annotated, Any, cast

import httpx
from common.http import path_segment, service_client
from fastapi import Depends, HTTPException, Request, status

from gateway import deps


class PortfolioUnavailable(HTTPException):
    def __init__(self, error: Exception | str) -> None:
        super().__init__(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the portfolio service is unavailable ({error}); try again shortly",
        )


class PortfolioClient:
    def __init__(self, client: httpx.AsyncClient) -> None:
        self.client = client

    async def _get(self, path: str, params: dict[str, Any] | None = None) -> Any:
        clean = {k: v for k, v in (params or {}).items() if v is not None}
        try:
            response = await self.client.get(path, params=clean)
        except httpx.HTTPError as error:
            raise PortfolioUnavailable(type(error).__name__) from error
        if response.status_code == 404:
            return None
        if response.status_code >= 400:
            raise PortfolioUnavailable(f"HTTP {response.status_code}")
        return response.json()

    async def positions(self, **filters: Any) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], await self._get("/internal/positions", filters) or [])

    async def position(self, position_id: str) -> dict[str, Any] | None:
        found = await self._get(f"/internal/positions/{path_segment(position_id)}")
        return cast(dict[str, Any] | None, found)

    async def summaries(self, client_ids: list[str]) -> list[dict[str, Any]]:
        if not client_ids:
            return []
        found = await self._get("/internal/summaries", {"client_ids": ",".join(client_ids)})
        return cast(list[dict[str, Any]], found or [])

    async def holders(self, token: int, **filters: Any) -> list[dict[str, Any]]:
        found = await self._get(f"/internal/holders/{token}", filters)
        return cast(list[dict[str, Any]], found or [])

    async def fills(self, client_id: str, limit: int) -> list[dict[str, Any]]:
        path = f"/internal/clients/{path_segment(client_id)}/fills"
        found = await self._get(path, {"limit": limit})
        return cast(list[dict[str, Any]], found or [])

    async def drift(self, client_id: str | None) -> dict[str, Any]:
        found = await self._get("/internal/drift", {"client_id": client_id})
        return cast(dict[str, Any], found or {"drift": []})


def portfolio_client(request: Request) -> PortfolioClient:
    state = request.app.state
    client: httpx.AsyncClient | None = getattr(state, "portfolio_http_client", None)
    if client is None:
        client = service_client(deps.settings(request).portfolio_url)
        state.portfolio_http_client = client
    return PortfolioClient(client)


Portfolio = Annotated[PortfolioClient, Depends(portfolio_client)]
