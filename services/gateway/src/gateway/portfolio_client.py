"""The gateway's reads of the portfolio's internal API (positions, funds, holders, drift).

Errors follow the peers' policy (gateway/peers.py): a 404 is None (or an empty list), any
other failure a 503 naming the portfolio service (or, for the extra funds columns of the
client list, simply absent figures).
"""

from typing import Annotated, Any, cast

from common.http import path_segment
from fastapi import Depends, Request

from gateway import deps
from gateway.peers import Peer, PeersDep, peers_of


class PortfolioClient:
    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    async def positions(self, **filters: Any) -> list[dict[str, Any]]:
        return cast(list[dict[str, Any]], await self.peer.get("/internal/positions", filters) or [])

    async def position(self, position_id: str) -> dict[str, Any] | None:
        found = await self.peer.get(f"/internal/positions/{path_segment(position_id)}")
        return cast(dict[str, Any] | None, found)

    async def summaries(self, client_ids: list[str]) -> list[dict[str, Any]]:
        if not client_ids:
            return []
        found = await self.peer.get("/internal/summaries", {"client_ids": ",".join(client_ids)})
        return cast(list[dict[str, Any]], found or [])

    async def holders(self, token: int, **filters: Any) -> list[dict[str, Any]]:
        found = await self.peer.get(f"/internal/holders/{token}", filters)
        return cast(list[dict[str, Any]], found or [])

    async def fills(self, client_id: str, limit: int) -> list[dict[str, Any]]:
        path = f"/internal/clients/{path_segment(client_id)}/fills"
        found = await self.peer.get(path, {"limit": limit})
        return cast(list[dict[str, Any]], found or [])

    async def drift(self, client_id: str | None) -> dict[str, Any]:
        found = await self.peer.get("/internal/drift", {"client_id": client_id})
        return cast(dict[str, Any], found or {"drift": []})


def portfolio_client(request: Request) -> PortfolioClient:
    return PortfolioClient(peers_of(deps.runtime(request)).portfolio)


async def _portfolio(peers: PeersDep) -> PortfolioClient:
    return PortfolioClient(peers.portfolio)


Portfolio = Annotated[PortfolioClient, Depends(_portfolio)]
