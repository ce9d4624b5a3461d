"""What the portfolio answers the gateway over internal HTTP, parsed once at the peer
client (portfolio_client.py) into typed views.

The fields the gateway reads are typed; anything else passes through as written, so
`as_json()` gives back every field of the portfolio's answer with its value unchanged.
"""

from decimal import Decimal
from typing import Any

from common.enums import Exchange, PositionStatus, TradeType
from common.views import View


class PositionView(View):
    """A position ("trade"): GET /internal/positions and /internal/positions/{id}."""

    client_id: str
    position_id: str
    token: int
    exchange: Exchange
    trade_type: TradeType
    net_quantity: int
    status: PositionStatus

    def as_trade(self) -> dict[str, Any]:
        """The position as the public API names it: a trade, `trade_id` its position id."""
        return {**self.as_json(), "trade_id": self.position_id}


class FundsView(View):
    """The latest margin figures Motilal reported for a client."""

    available_cash: str
    collateral: str
    margin_used: str
    margin_available: Decimal
    mtm: str
    booked_pnl: str
    report: str
    taken_at: str


class PnlView(View):
    realized_pnl: str
    unrealized_pnl: str
    total_pnl: str
    realized_pnl_today: str | None = None
    trading_date: str | None = None


class SummaryView(View):
    """GET /internal/summaries: one client's funds (None before a snapshot), P&L, count."""

    client_id: str
    funds: FundsView | None
    pnl: PnlView
    open_positions: int


class FillView(View):
    """GET /internal/clients/{id}/fills: one fill, newest first."""

    client_id: str
    trade_no: str
    order_id: str


class DriftReport(View):
    """GET /internal/drift: where our net quantities differ from the broker's."""

    confirmations_needed: int
    drift: list[dict[str, Any]]
    """One row per (client, exchange, token, product) that differs, as the portfolio wrote it."""


class HolderView(View):
    """GET /internal/holders/{token}: one client holding the token."""

    client_id: str
    position_id: str
    exchange: Exchange
    trade_type: TradeType
    net_quantity: int
    average_price: str
    last_price: str | None
    value: str
    unrealized_pnl: str
    realized_pnl: str
    total_pnl: str
