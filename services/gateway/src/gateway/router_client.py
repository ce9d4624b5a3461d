"""The gateway's reads of the order-router's internal API: orders, batches, kill switch.

Errors follow the peers' policy (gateway/peers.py): a 404 is None, anything else that
fails is a 503 naming the order-router. Answers are parsed here, once, into the typed views
of router_views.py.
"""

from typing import Annotated, Any

from common.http import path_segment
from fastapi import Depends

from gateway.peers import Peer, PeersDep
from gateway.router_views import BatchView, KillSwitchView, OrdersPage, OrderView


class RouterClient:
    """Reads of the order-router's internal API (orders, batches, kill switch)."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    async def order(self, order_id: str) -> OrderView | None:
        found = await self.peer.get(f"/internal/orders/{path_segment(order_id)}")
        return None if found is None else OrderView.model_validate(found)

    async def orders(self, params: dict[str, Any]) -> OrdersPage:
        return OrdersPage.model_validate(await self.peer.get("/internal/orders", params))

    async def batch(self, batch_id: str) -> BatchView | None:
        found = await self.peer.get(f"/internal/batches/{path_segment(batch_id)}")
        return None if found is None else BatchView.model_validate(found)

    async def kill_switch(self) -> KillSwitchView:
        return KillSwitchView.model_validate(await self.peer.get("/internal/kill-switch"))


async def router_client(peers: PeersDep) -> RouterClient:
    return RouterClient(peers.router)


Router = Annotated[RouterClient, Depends(router_client)]
