"""Quotes over REST (paisa converted to rupees) and scrip-master rows."""

from datetime import date, datetime
from decimal import Decimal
from typing import Any

from motilal.models.base import Frozen
from motilal.units import decimal_of, paisa_to_rupees


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
        expiry_text = (row.get("expirydate") or "").strip()
        expiry = datetime.strptime(expiry_text, "%d-%b-%Y").date() if expiry_text else None
        return cls(
            exchange=row.get("exchangename", "") or row.get("exchange", ""),
            token=int(row["scripcode"]),
            name=row.get("scripname", ""),
            short_name=row.get("scripshortname", ""),
            full_name=row.get("scripfullname", ""),
            isin=row.get("scripisinno", ""),
            instrument=row.get("instrumentname", ""),
            expiry=expiry,
            strike=decimal_of(row.get("strikeprice"), "strikeprice"),
            option_type=row.get("optiontype", ""),
            lot_size=int(row.get("marketlot") or 1),
            tick_size=decimal_of(row.get("ticksize"), "ticksize"),
            suspended=(row.get("issuspended", "") or "").upper() in ("Y", "1", "TRUE"),
        )
