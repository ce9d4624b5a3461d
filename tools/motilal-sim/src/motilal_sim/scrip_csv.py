"""getscripmastercsv as Motilal writes it, from the reference (docs 27 and 28, A.10).

Written from Motilal's documentation, not from the client library, so that a client reading
the wrong units fails against the simulator too:
- columns in doc 28's order;
- `expirydate` in seconds since 1980-01-01, "0" when a scrip has none. Doc 27's sample,
  1328365800 for "BANKNIFTY 03-Feb-2022 PE 32300", is 03-Feb-2022 14:30, so an expiry is
  written as its day at 14:30;
- `ticksize` in paisa (5 for a ₹0.05 tick: the CSV's unit, as OpenAlgo reads it);
- `strikeprice` in rupees; `scripname` as "INFY EQ" or "NIFTY 29-Dec-2026 FUT".
"""

import csv
import io
from collections.abc import Iterable
from datetime import date
from decimal import Decimal

from motilal_sim.instruments import Instrument

COLUMNS = (
    "exchange", "exchangename", "scripcode", "scripname", "marketlot", "scripshortname",
    "issuspended", "instrumentname", "expirydate", "strikeprice", "optiontype", "markettype",
    "foexposurepercent", "ticksize", "scripisinno", "indicesidentifier", "isbanscrip",
    "scripfullname", "facevalue", "calevel", "maxqtyperorder",
)  # fmt: skip
# Doc 27's sample numbers NSEFO 2; the other numbers are the simulator's own.
EXCHANGE_IDS = {"NSE": 1, "NSEFO": 2, "BSE": 3, "NSECD": 4, "MCX": 5, "BSEFO": 6}
_EPOCH = date(1980, 1, 1)
_EXPIRY_TIME_SECONDS = 14 * 3600 + 30 * 60
_PAISA = Decimal(100)


def expiry_seconds(expiry: date | None) -> str:
    """Motilal's `expirydate`: seconds since 1980-01-01 at the documented 14:30, or "0"."""
    if expiry is None:
        return "0"
    return str((expiry - _EPOCH).days * 86400 + _EXPIRY_TIME_SECONDS)


def tick_in_paisa(tick_size: Decimal) -> str:
    paisa = (tick_size * _PAISA).normalize()
    return f"{paisa:f}"


def scrip_master_csv(exchange: str, instruments: Iterable[Instrument]) -> str:
    """The CSV of one exchange: its tradeable scrips (indices are in getindexdatacsv)."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS)
    writer.writeheader()
    for inst in instruments:
        if inst.exchange == exchange and inst.tradeable:
            writer.writerow(_row(inst))
    return out.getvalue()


def _row(inst: Instrument) -> dict[str, object]:
    return {
        "exchange": EXCHANGE_IDS.get(inst.exchange, 0),
        "exchangename": inst.exchange,
        "scripcode": inst.token,
        "scripname": inst.name if inst.is_derivative else f"{inst.symbol} EQ",
        "marketlot": inst.lot_size,
        "scripshortname": inst.underlying,
        "issuspended": "N",
        "instrumentname": inst.instrument_type,
        "expirydate": expiry_seconds(inst.expiry),
        "strikeprice": 0,
        "optiontype": "",
        "markettype": " ",
        "foexposurepercent": 0,
        "ticksize": tick_in_paisa(inst.tick_size),
        "scripisinno": "",
        "indicesidentifier": 0,
        "isbanscrip": "N",
        # The simulator's instrument names are the full names ("Infosys Ltd").
        "scripfullname": inst.name,
        "facevalue": 1 if inst.is_derivative else 10,
        "calevel": 0,
        "maxqtyperorder": 0,
    }
