"""What the order-router answers the gateway over internal HTTP, parsed once at the peer
client (router_client.py) into typed views.

The fields the gateway reads are typed, in the order the router writes them; anything else
the router adds (a sliced order's `slices`, a basket's legs) passes through as written, so
`as_json()` is the router's answer unchanged for the public API to return.
"""

from decimal import Decimal
from typing import Any

from common.contracts.instruments import Instrument
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType
from pydantic import BaseModel, ConfigDict, Field


class RouterView(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    def as_json(self) -> dict[str, Any]:
        """The answer as the router wrote it (money as strings, times ISO 8601)."""
        return self.model_dump(mode="json", by_alias=True)


class OrderView(RouterView):
    """One order (GET /internal/orders/{id}, and each row of GET /internal/orders)."""

    order_id: str
    batch_id: str
    client_id: str
    token_id: int
    exchange: Exchange
    symbol: str
    lot_size: int
    tick_size: Decimal
    execution_type: ExecutionType
    side: Side | None
    order_type: OrderType
    trade_type: TradeType
    quantity: int
    price: Decimal | None
    trigger_price: Decimal | None
    tag: str | None
    status: OrderStatus
    terminal: bool
    modifiable: bool
    """The router's transition table allows a modify now."""
    cancelable: bool
    """The router's transition table allows a cancel now."""
    rule: str | None
    reason: str | None
    risk_notes: list[str]
    filled_quantity: int

    def instrument(self) -> Instrument:
        return Instrument(
            token=self.token_id,
            exchange=self.exchange,
            symbol=self.symbol,
            lot_size=self.lot_size,
            tick_size=self.tick_size,
        )


class OrdersPage(RouterView):
    """GET /internal/orders: orders newest first, one page."""

    orders: list[OrderView]
    limit: int
    offset: int


class BatchOrder(RouterView):
    """One client's order in a batch view."""

    client_id: str
    order_id: str
    status: OrderStatus


class BatchView(RouterView):
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


class KillSwitchScope(RouterView):
    """The kill switch of one scope: global (client_id None) or one client's."""

    client_id: str | None
    engaged: bool
    reason: str | None


class KillSwitchView(RouterView):
    """GET /internal/kill-switch: the global scope and every client scope ever set."""

    global_: KillSwitchScope = Field(alias="global")
    clients: list[KillSwitchScope]

    def scope(self, client_id: str | None) -> KillSwitchScope | None:
        if client_id is None:
            return self.global_
        return next((c for c in self.clients if c.client_id == client_id), None)
