"""Quotes over REST (paisa converted to rupees) and scrip-master rows."""

from collections.abc import Callable
from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from motilal.models.base import Frozen
from motilal.units import IST, decimal_of, paisa_to_rupees


class _Prices(Frozen):
    """The day's prices every LTP answer carries, in rupees."""

    exchange: str
    token: int
    ltp: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    prev_close: Decimal


def _prices(row: dict[str, Any], rupees: Callable[[object, str], Decimal]) -> dict[str, Any]:
    # `rupees` converts one money field: paisa for scrips, as-is for indices.
    return {
        "exchange": str(row.get("exchange", "")),
        "token": int(decimal_of(row.get("scripcode"), "scripcode")),
        "ltp": rupees(row.get("ltp"), "ltp"),
        "open": rupees(row.get("open"), "open"),
        "high": rupees(row.get("high"), "high"),
        "low": rupees(row.get("low"), "low"),
        "prev_close": rupees(row.get("close"), "close"),
    }


class Quote(_Prices):
    """getltpdata: a scrip's prices (sent in paisa) with its volume and best bid and ask."""

    volume: int
    bid: Decimal
    ask: Decimal

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Quote":
        return cls(
            **_prices(row, paisa_to_rupees),
            volume=int(decimal_of(row.get("volume"), "volume")),
            bid=paisa_to_rupees(row.get("bid"), "bid"),
            ask=paisa_to_rupees(row.get("ask"), "ask"),
        )


class IndexQuote(_Prices):
    """getindexltpdata is already in rupees."""

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "IndexQuote":
        return cls(**_prices(row, decimal_of))


class ScripRow(Frozen):
    exchange: str
    token: int
    name: str
    short_name: str
    full_name: str
    isin: str
    instrument: str
    expiry: date | None
    strike: Decimal
    option_type: str
    lot_size: int
    tick_size: Decimal
    suspended: bool

    @classmethod
    def from_row(cls, row: dict[str, str]) -> "ScripRow":
        """One getscripmastercsv row in Motilal's units: `expirydate` in seconds since
        1980-01-01 ("0" for none; doc 27: 1328365800 is 03-Feb-2022), `ticksize` in paisa
        (OpenAlgo divides by 100; only the JSON variant, doc 27, gives rupees), strikes in
        rupees. Raises ValueError naming the field when a value is not what Motilal sends."""
        return cls(
            exchange=row.get("exchangename", "") or row.get("exchange", ""),
            token=_whole(row.get("scripcode"), "scripcode"),
            name=row.get("scripname", ""),
            short_name=row.get("scripshortname", ""),
            full_name=row.get("scripfullname", ""),
            isin=row.get("scripisinno", ""),
            instrument=row.get("instrumentname", ""),
            expiry=expiry_of_1980_seconds(row.get("expirydate")),
            strike=decimal_of(row.get("strikeprice"), "strikeprice"),
            option_type=row.get("optiontype", ""),
            lot_size=_whole(row.get("marketlot") or 1, "marketlot"),
            tick_size=paisa_to_rupees(row.get("ticksize"), "ticksize"),
            suspended=(row.get("issuspended", "") or "").upper() in ("Y", "1", "TRUE"),
        )


# Motilal's clock starts at 1980-01-01 IST (the feed's time field counts from it too).
_EPOCH_1980 = datetime(1980, 1, 1, tzinfo=IST)


def expiry_of_1980_seconds(value: object) -> date | None:
    """The expiry date of a scrip-master `expirydate`; None for "0" or empty (no expiry)."""
    seconds = _whole(value or 0, "expirydate")
    if seconds < 0:
        raise ValueError(f"expirydate: {value!r} is not seconds since 1980-01-01")
    if seconds == 0:
        return None
    return (_EPOCH_1980 + timedelta(seconds=seconds)).date()


def _whole(value: object, field: str) -> int:
    number = decimal_of(value, field)
    if value is None or value == "" or number != number.to_integral_value():
        raise ValueError(f"{field}: {value!r} is not a whole number")
    return int(number)
