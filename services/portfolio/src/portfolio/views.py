"""How positions, P&L and funds look on the wire (internal API and portfolio.updates.v1)."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import asdict
from datetime import date, datetime
from decimal import Decimal
from typing import Any

from common.contracts.envelope import Contract, Money
from common.contracts.portfolio import MarginChanged, PnlChanged, PositionChanged
from common.enums import Exchange, PositionStatus, TradeType

from portfolio.book import ZERO
from portfolio.margins import Funds
from portfolio.store_accounts import StoredMargins
from portfolio.store_positions import Held


class PositionOut(Contract):
    """A position ("trade"): PositionChanged's fields plus its life and totals."""

    client_id: str
    position_id: str
    token: int
    exchange: Exchange
    symbol: str
    trade_type: TradeType
    net_quantity: int
    average_price: Money
    buy_quantity: int
    buy_value: Money
    sell_quantity: int
    sell_value: Money
    realized_pnl: Money
    unrealized_pnl: Money
    total_pnl: Money
    last_price: Money | None
    market_value: Money
    status: PositionStatus
    opening_trade_no: str
    opened_at: datetime
    closed_at: datetime | None
    updated_at: datetime | None


def position_out(held: Held) -> PositionOut:
    p, last = held.position, held.last_price
    unrealized = p.unrealized_pnl(last)
    return PositionOut(
        client_id=p.key.client_id,
        position_id=p.position_id,
        token=p.key.token,
        exchange=p.key.exchange,
        symbol=p.symbol,
        trade_type=p.key.trade_type,
        net_quantity=p.net_quantity,
        average_price=p.average_price,
        buy_quantity=p.buy_quantity,
        buy_value=p.buy_value,
        sell_quantity=p.sell_quantity,
        sell_value=p.sell_value,
        realized_pnl=p.realized_pnl,
        unrealized_pnl=unrealized,
        total_pnl=p.realized_pnl + unrealized,
        last_price=last,
        market_value=p.market_value(last),
        status=p.status,
        opening_trade_no=p.opening_trade_no,
        opened_at=p.opened_at,
        closed_at=p.closed_at,
        updated_at=p.updated_at,
    )


def position_changed(held: Held, envelope: dict[str, Any]) -> PositionChanged:
    # the API view's fields the message carries, by name
    fields = position_out(held).model_dump(include=set(PositionChanged.model_fields))
    return PositionChanged(**envelope, **fields)


class PnlOut(Contract):
    """Total realized (every position ever), today's realized (booked to `trading_date`:
    zero each morning until a fill books some), unrealized (open positions at the mark)."""

    realized_pnl: Money
    unrealized_pnl: Money
    total_pnl: Money
    realized_pnl_today: Money
    trading_date: date


def pnl_by_client(
    realized: dict[str, Decimal],
    realized_today: dict[str, Decimal],
    day: date,
    active: Iterable[Held],
    client_ids: Iterable[str],
) -> dict[str, PnlOut]:
    """Realized P&L over every position and on `day`, unrealized over the open ones."""
    unrealized: dict[str, Decimal] = defaultdict(lambda: ZERO)
    for held in active:
        unrealized[held.position.key.client_id] += held.position.unrealized_pnl(held.last_price)
    out = {}
    for client_id in client_ids:
        r, u = realized.get(client_id, ZERO), unrealized.get(client_id, ZERO)
        out[client_id] = PnlOut(
            realized_pnl=r,
            unrealized_pnl=u,
            total_pnl=r + u,
            realized_pnl_today=realized_today.get(client_id, ZERO),
            trading_date=day,
        )
    return out


def pnl_changed(client_id: str, pnl: PnlOut, envelope: dict[str, Any]) -> PnlChanged:
    return PnlChanged(**envelope, client_id=client_id, **pnl.model_dump())


class FundsOut(Contract):
    available_cash: Money
    collateral: Money
    margin_used: Money
    margin_available: Money
    mtm: Money
    booked_pnl: Money
    report: str
    taken_at: datetime


def funds_out(stored: StoredMargins) -> FundsOut:
    return FundsOut(**asdict(stored.funds), report=stored.report, taken_at=stored.taken_at)


def margin_changed(client_id: str, funds: Funds, envelope: dict[str, Any]) -> MarginChanged:
    return MarginChanged(**envelope, client_id=client_id, **asdict(funds))


class ClientSummary(Contract):
    client_id: str
    funds: FundsOut | None
    pnl: PnlOut
    open_positions: int


class HolderOut(Contract):
    """One client holding a token: quantity, average price, value and P&L."""

    client_id: str
    position_id: str
    exchange: Exchange
    trade_type: TradeType
    net_quantity: int
    average_price: Money
    last_price: Money | None
    value: Money
    unrealized_pnl: Money
    realized_pnl: Money
    total_pnl: Money


def holder_out(held: Held) -> HolderOut:
    out = position_out(held)
    fields = out.model_dump(include=set(HolderOut.model_fields))
    return HolderOut(**fields, value=out.market_value)
