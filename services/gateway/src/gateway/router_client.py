"""The gateway's reads of the order-router's internal API: orders, batches, kill switch.

Errors follow the peers' policy (gateway/peers.py): a 404 is None, anything else that
fails is a 503 naming the order-router.
"""

from typing import Annotated, Any, cast

from common.http import path_segment
from fastapi import Depends

from gateway.peers import Peer, PeersDep


class RouterClient:
    """Reads of the order-router's internal API (orders, batches, kill switch)."""

    def __init__(self, peer: Peer) -> None:
        self.peer = peer

    async def order(self, order_id: str) -> dict[str, Any] | None:
        path = f"/internal/orders/{path_segment(order_id)}"
        return cast(dict[str, Any] | None, await self.peer.get(path))

    async def orders(self, params: dict[str, Any]) -> dict[str, Any]:
        return cast(dict[str, Any], await self.peer.get("/internal/orders", params))

    async def batch(self, batch_id: str) -> dict[str, Any] | None:
        path = f"/internal/batches/{path_segment(batch_id)}"
        return cast(dict[str, Any] | None, await self.peer.get(path))

    async def kill_switch(self) -> dict[str, Any]:
        return cast(dict[str, Any], await self.peer.get("/internal/kill-switch"))


async def router_client(peers: PeersDep) -> RouterClient:
    return RouterClient(peers.router)


Router = Annotated[RouterClient, Depends(router_client)]
