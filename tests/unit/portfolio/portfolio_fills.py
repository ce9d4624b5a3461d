"""Factories for fills fed to the position book in portfolio tests."""

from datetime import UTC, datetime, timedelta
from decimal import Decimal

from common.enums import Exchange, Side, TradeType
from portfolio.book import FillIn

T0 = datetime(2026, 9, 1, 4, 0, tzinfo=UTC)


def fill(
    side: Side | str,
    quantity: int,
    price: str | Decimal,
    *,
    trade_no: str = "T1",
    client_id: str = "c1",
    token: int = 1594,
    exchange: Exchange = Exchange.NSE,
    trade_type: TradeType = TradeType.INTRADAY,
    seq: int = 0,
    day: int = 0,
) -> FillIn:
    return FillIn(
        client_id=client_id,
        trade_no=trade_no,
        order_id=f"o-{trade_no}",
        exchange=exchange,
        token=token,
        symbol="INFY",
        trade_type=trade_type,
        side=Side(side),
        quantity=quantity,
        price=Decimal(price),
        traded_at=T0 + timedelta(days=day, seconds=seq),
    )
