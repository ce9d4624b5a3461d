"""Quotes over REST (paisa converted to rupees) and scrip-master rows."""

from datetime import date, datetime, timedelta
from decimal import Decimal
from typing import Any

from motilal.models.base import Frozen
from motilal.units import IST, decimal_of, paisa_to_rupees


class Quote(Frozen):
    exchange: str
    token: int
    ltp: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    prev_close: Decimal
    volume: int
    bid: Decimal
    ask: Decimal

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Quote":
        def p(key: str) -> Decimal:
            return paisa_to_rupees(row.get(key), key)

        return cls(
            exchange=str(row.get("exchange", "")),
            token=int(decimal_of(row.get("scripcode"), "scripcode")),
            ltp=p("ltp"),
            open=p("open"),
            high=p("high"),
            low=p("low"),
            prev_close=p("close"),
            volume=int(decimal_of(row.get("volume"), "volume")),
            bid=p("bid"),
            ask=p("ask"),
        )


class IndexQuote(Frozen):
    """getindexltpdata is already in rupees."""

    exchange: str
    token: int
    ltp: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    prev_close: Decimal

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "IndexQuote":
        def r(key: str) -> Decimal:
            return decimal_of(row.get(key), key)

        return cls(
            exchange=str(row.get("exchange", "")),
            token=int(r("scripcode")),
            ltp=r("ltp"),
            open=r("open"),
            high=r("high"),
            low=r("low"),
            prev_close=r("close"),
        )


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
