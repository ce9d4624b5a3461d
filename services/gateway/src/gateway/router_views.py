"""What the order-router answers the gateway over internal HTTP, parsed once at the peer
client (router_client.py) into typed views.

An order is common.views.OrderView, the model the router writes it with. The fields the
gateway reads are typed, in the order the router writes them; anything else the router adds
(a sliced order's `slices`, a basket's legs) passes through as written, so `as_json()` is
the router's answer unchanged for the public API to return.
"""

from common.enums import OrderStatus
from common.views import OrderView, View
from pydantic import Field


class OrdersPage(View):
    """GET /internal/orders: orders newest first, one page."""

    orders: list[OrderView]
    limit: int
    offset: int


class BatchOrder(View):
    """One client's order in a batch view."""

    client_id: str
    order_id: str
    status: OrderStatus


class BatchView(View):
    """GET /internal/batches/{id}: counts by status and one row per order."""

    batch_id: str
    kind: str
    token_id: int | None
    execution_type: str | None
    order_type: str | None
    trade_type: str | None
    price: str | None
    trigger_price: str | None
    actor: str
    created_at: str
    total: int
    counts: dict[str, int]
    complete: bool
    """Every order (every slice of a sliced one) is finished."""
    orders: list[BatchOrder]


class KillSwitchScope(View):
    """The kill switch of one scope: global (client_id None) or one client's."""

    client_id: str | None
    engaged: bool
    reason: str | None


class KillSwitchView(View):
    """GET /internal/kill-switch: the global scope and every client scope ever set."""

    global_: KillSwitchScope = Field(alias="global")
    clients: list[KillSwitchScope]

    def scope(self, client_id: str | None) -> KillSwitchScope | None:
        if client_id is None:
            return self.global_
        return next((c for c in self.clients if c.client_id == client_id), None)
