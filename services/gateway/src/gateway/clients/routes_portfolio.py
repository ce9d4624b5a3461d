"""Clients' funds, margins and P&L (issue 6): the portfolio view of each client.

- `GET /api/v1/clients/{id}/portfolio`: positions, funds and margins, P&L, recent orders
  (from the order-router) and recent fills (from the portfolio).
- `GET /api/v1/portfolio/clients`: every registered client with funds, margin used and
  available, and total P&L (the client list's portfolio columns).
- `with_portfolio(...)`: the same columns added to ClientOut rows, for the client routes.
"""

from typing import Annotated, Any

from common.enums import PositionStatus
from fastapi import APIRouter, HTTPException, Query, Request, status
from pydantic import BaseModel, Field

from gateway import deps
from gateway.auth.deps import Viewer
from gateway.clients import store_clients
from gateway.clients.models import ClientOut
from gateway.peers import PeerUnavailable
from gateway.portfolio_client import PortfolioClient, portfolio_client
from gateway.portfolio_views import SummaryView
from gateway.router_client import Router
from gateway.routes.trades import TradeOut, trade_out

router = APIRouter(prefix="/api/v1", tags=["clients"])


class Funds(BaseModel):
    """Rupees as strings (Decimal). From the latest margin report and the positions."""

    available_cash: str | None = Field(description="cash balance (margin row 201)")
    collateral: str | None = Field(description="non-cash margin after haircut (row 220)")
    margin_used: str | None = Field(description="margin in use (row 300)")
    margin_available: str | None = Field(description="net available margin (row 100/102)")
    broker_mtm: str | None = Field(description="unrealised P&L as the broker reports it")
    broker_booked_pnl: str | None = Field(description="booked P&L as the broker reports it")
    margins_taken_at: str | None = Field(description="when the margin report was read")
    realized_pnl: str = Field(description="realized P&L of the platform's positions")
    unrealized_pnl: str = Field(description="open positions marked at the latest quote")
    total_pnl: str
    realized_pnl_today: str | None = Field(
        default=None, description="realized P&L booked to today's trading date (0 each morning)"
    )
    trading_date: str | None = Field(default=None, description="the trading date of 'today'")
    open_positions: int


class ClientWithPortfolio(ClientOut):
    portfolio: Funds | None = Field(description="None when the portfolio service is unavailable")


def funds_of(summary: SummaryView) -> Funds:
    margins, pnl = summary.funds, summary.pnl
    return Funds(
        available_cash=margins.available_cash if margins else None,
        collateral=margins.collateral if margins else None,
        margin_used=margins.margin_used if margins else None,
        margin_available=str(margins.margin_available) if margins else None,
        broker_mtm=margins.mtm if margins else None,
        broker_booked_pnl=margins.booked_pnl if margins else None,
        margins_taken_at=margins.taken_at if margins else None,
        realized_pnl=pnl.realized_pnl,
        unrealized_pnl=pnl.unrealized_pnl,
        total_pnl=pnl.total_pnl,
        realized_pnl_today=pnl.realized_pnl_today,
        trading_date=pnl.trading_date,
        open_positions=summary.open_positions,
    )


async def funds_by_client(portfolio: PortfolioClient, client_ids: list[str]) -> dict[str, Funds]:
    """Funds per client; empty when the portfolio is unavailable (lists still answer)."""
    try:
        summaries = await portfolio.summaries(client_ids)
    except PeerUnavailable:
        return {}
    return {s.client_id: funds_of(s) for s in summaries}


async def with_portfolio(request: Request, rows: list[ClientOut]) -> list[ClientWithPortfolio]:
    """ClientOut rows with their funds, margins and P&L (for GET /clients and /clients/{id})."""
    funds = await funds_by_client(portfolio_client(request), [r.client_id for r in rows])
    return [ClientWithPortfolio(**r.model_dump(), portfolio=funds.get(r.client_id)) for r in rows]


class ClientFundsRow(BaseModel):
    client_id: str
    name: str
    active: bool
    portfolio: Funds | None


@router.get("/portfolio/clients", summary="Every client with funds, margin and total P&L")
async def clients_funds(
    request: Request,
    _: Viewer,
    pool: deps.Pool,
    active: Annotated[bool | None, Query(description="only active or inactive")] = None,
) -> list[ClientFundsRow]:
    chosen = await store_clients.list_clients(pool, active=active)
    funds = await funds_by_client(portfolio_client(request), [r.client_id for r in chosen])
    return [
        ClientFundsRow(client_id=r.client_id, name=r.name, active=r.active,
                       portfolio=funds.get(r.client_id))
        for r in chosen
    ]  # fmt: skip


class PortfolioOut(BaseModel):
    client_id: str
    name: str
    funds: Funds
    positions: list[TradeOut] = Field(description="open trades first, then recently closed")
    recent_orders: list[dict[str, Any]] = Field(description="the order-router's latest orders")
    recent_fills: list[dict[str, Any]]
    notes: list[str] = Field(default_factory=list, description="parts that could not be read")


@router.get("/clients/{client_id}/portfolio", summary="A client's positions, funds and activity")
async def client_portfolio(
    client_id: str,
    request: Request,
    _: Viewer,
    pool: deps.Pool,
    orders: Router,
    limit: Annotated[int, Query(gt=0, le=500, description="rows per list")] = 50,
) -> PortfolioOut:
    record = await store_clients.get_client(pool, client_id)
    if record is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"client {client_id} does not exist")
    portfolio = portfolio_client(request)
    (summary,) = await portfolio.summaries([client_id])
    active = await portfolio.positions(client_id=client_id, status=PositionStatus.ACTIVE)
    closed = await portfolio.positions(
        client_id=client_id, status=PositionStatus.CLOSED, limit=limit
    )
    fills = await portfolio.fills(client_id, limit)
    notes: list[str] = []
    recent: list[dict[str, Any]] = []
    try:
        recent = (await orders.orders({"client_id": client_id, "limit": limit})).as_json()["orders"]
    except PeerUnavailable as unavailable:
        notes = [f"recent orders: {unavailable.detail}"]
    return PortfolioOut(
        client_id=client_id,
        name=record.name,
        funds=funds_of(summary),
        positions=[trade_out(p) for p in active + closed],
        recent_orders=recent,
        recent_fills=[f.as_json() for f in fills],
        notes=notes,
    )
