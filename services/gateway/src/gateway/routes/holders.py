"""Who holds a token: GET /api/v1/tokens/{id}/holders (issue 6)."""

from decimal import Decimal
from typing import Annotated

from common.contracts.instruments import TOKEN_MAX
from common.enums import Exchange, TradeType
from fastapi import APIRouter, Path
from pydantic import BaseModel, Field

from gateway import deps
from gateway.auth.deps import Viewer
from gateway.clients.store_clients import find_clients
from gateway.portfolio_client import Portfolio

router = APIRouter(prefix="/api/v1", tags=["tokens"])


class HolderOut(BaseModel):
    client_id: str
    client_name: str | None = Field(description="from the client registry (None if unknown)")
    trade_id: str = Field(description="the open position's id, for POST /trades/{id}/exit")
    exchange: Exchange
    trade_type: TradeType
    quantity: int = Field(description="net shares held; negative is short")
    average_price: str
    last_price: str | None
    value: str = Field(description="quantity x last price (at cost until a price is known)")
    unrealized_pnl: str
    realized_pnl: str
    total_pnl: str


class HoldersOut(BaseModel):
    token_id: int
    holders: list[HolderOut]
    total_quantity: int
    total_value: str
    total_pnl: str


@router.get("/tokens/{token_id}/holders", summary="Every client with an open position in a token")
async def token_holders(
    token_id: Annotated[int, Path(gt=0, le=TOKEN_MAX)],
    _: Viewer,
    pool: deps.Pool,
    portfolio: Portfolio,
    exchange: Exchange | None = None,
    trade_type: TradeType | None = None,
) -> HoldersOut:
    found = await portfolio.holders(
        token_id,
        exchange=exchange.value if exchange else None,
        trade_type=trade_type.value if trade_type else None,
    )
    clients = await find_clients(pool, sorted({h.client_id for h in found}))
    holders = [
        HolderOut(
            client_id=h.client_id,
            client_name=clients[h.client_id].name if h.client_id in clients else None,
            trade_id=h.position_id,
            exchange=h.exchange,
            trade_type=h.trade_type,
            quantity=h.net_quantity,
            average_price=h.average_price,
            last_price=h.last_price,
            value=h.value,
            unrealized_pnl=h.unrealized_pnl,
            realized_pnl=h.realized_pnl,
            total_pnl=h.total_pnl,
        )
        for h in found
    ]
    return HoldersOut(
        token_id=token_id,
        holders=holders,
        total_quantity=sum(h.quantity for h in holders),
        total_value=str(sum((Decimal(h.value) for h in holders), Decimal(0))),
        total_pnl=str(sum((Decimal(h.total_pnl) for h in holders), Decimal(0))),
    )
