"""Instrument records for market-data unit tests."""

from decimal import Decimal

from common.enums import Exchange
from market_data.instruments.records import InstrumentRecord


def record(
    symbol: str,
    token: int,
    exchange: Exchange = Exchange.NSE,
    name: str | None = None,
    instrument_type: str = "EQ",
) -> InstrumentRecord:
    return InstrumentRecord(
        exchange=exchange,
        token=token,
        symbol=symbol,
        name=name or symbol,
        instrument_type=instrument_type,
        lot_size=1,
        tick_size=Decimal("0.05"),
    )
