"""`portfolio.updates.v1`: positions, P&L and margins as the portfolio sees them, by client_id."""

from datetime import date
from decimal import Decimal
from typing import Annotated, Literal

from pydantic import Field

from common.contracts.envelope import Message, Money
from common.enums import Exchange, PositionStatus, TradeType


class PositionChanged(Message):
    """A client's position in one token and trade type (a "trade" in the API).

    Quantities are in shares; `net_quantity` is negative for a short position.
    """

    type: Literal["position.changed"] = "position.changed"
    client_id: str
    position_id: str
    token: int
    exchange: Exchange
    trade_type: TradeType
    net_quantity: int
    average_price: Money
    buy_quantity: int = Field(ge=0)
    buy_value: Money
    sell_quantity: int = Field(ge=0)
    sell_value: Money
    realized_pnl: Money
    unrealized_pnl: Money
    last_price: Money | None = None
    status: PositionStatus


class PnlChanged(Message):
    """A client's P&L: realized over every position (and the part booked to `trading_date`,
    today's, which starts at zero each morning), unrealized over the open ones."""

    type: Literal["pnl.changed"] = "pnl.changed"
    client_id: str
    realized_pnl: Money
    unrealized_pnl: Money
    total_pnl: Money
    realized_pnl_today: Money = Decimal(0)
    trading_date: date | None = None


class MarginChanged(Message):
    """Funds as mapped from Motilal's margin report rows (see the portfolio's margin mapping)."""

    type: Literal["margin.changed"] = "margin.changed"
    client_id: str
    available_cash: Money
    collateral: Money
    margin_used: Money
    margin_available: Money
    mtm: Money
    booked_pnl: Money


PortfolioUpdate = Annotated[
    PositionChanged | PnlChanged | MarginChanged, Field(discriminator="type")
]
