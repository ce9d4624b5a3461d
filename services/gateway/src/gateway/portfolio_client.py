"""The gateway's reads of the portfolio's internal API (positions, funds, holders, drift).

Errors follow the peers' policy (gateway/peers.py): a 404 is None (or an empty list), any
other failure a 503 naming the portfolio service (or, for the extra funds columns of the
client list, simply absent figures). Answers are parsed here, once, into the typed views
of portfolio_views.py.
"""

from typing import Annotated, Any

from common.http import path_segment
from fastapi import Depends, Request

from gateway import deps
from gateway.peers import Peer, PeersDep, peers_of
from gateway.portfolio_views import DriftReport, FillView, HolderView, PositionView, SummaryView


class PortfolioClient:
    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    async def positions(self, **filters: Any) -> list[PositionView]:
        found = await self.peer.get("/internal/positions", filters) or []
        return [PositionView.model_validate(p) for p in found]

    async def position(self, position_id: str) -> PositionView | None:
        found = await self.peer.get(f"/internal/positions/{path_segment(position_id)}")
        return None if found is None else PositionView.model_validate(found)

    async def summaries(self, client_ids: list[str]) -> list[SummaryView]:
        if not client_ids:
            return []
        found = await self.peer.get("/internal/summaries", {"client_ids": ",".join(client_ids)})
        return [SummaryView.model_validate(s) for s in found or []]

    async def holders(self, token: int, **filters: Any) -> list[HolderView]:
        found = await self.peer.get(f"/internal/holders/{token}", filters)
        return [HolderView.model_validate(h) for h in found or []]

    async def fills(self, client_id: str, limit: int) -> list[FillView]:
        path = f"/internal/clients/{path_segment(client_id)}/fills"
        found = await self.peer.get(path, {"limit": limit})
        return [FillView.model_validate(f) for f in found or []]

    async def drift(self, client_id: str | None) -> DriftReport | None:
        """None when the portfolio has no drift to report for `client_id` (a 404)."""
        found = await self.peer.get("/internal/drift", {"client_id": client_id})
        return None if found is None else DriftReport.model_validate(found)


def portfolio_client(request: Request) -> PortfolioClient:
    return PortfolioClient(peers_of(deps.runtime(request)).portfolio)


async def _portfolio(peers: PeersDep) -> PortfolioClient:
    return PortfolioClient(peers.portfolio)


Portfolio = Annotated[PortfolioClient, Depends(_portfolio)]
