"""Motilal's scrip master rows (getscripmastercsv) as token-master records.

Symbols follow the desk's compact convention so that they match data/tokens.csv:
cash "INFY EQ" -> INFY; futures NIFTY + expiry -> NIFTY26DECFUT; options -> NIFTY26DEC24000CE.
Suspended scrips are left out: they cannot be traded and would only clutter search.
A row Motilal wrote oddly is skipped and counted on its own; the rest of the exchange loads.
"""

import logging
from collections.abc import Iterable
from decimal import Decimal

from common.enums import Exchange
from motilal.models import ScripRow

from market_data.instruments.records import InstrumentRecord
from market_data.metrics import SCRIP_ROWS_SKIPPED

log = logging.getLogger(__name__)

_CASH_SERIES = (" EQ", " BE", " BZ", " SM", " ST")
_DERIVATIVE_EXCHANGES = {Exchange.NSEFO, Exchange.BSEFO, Exchange.NSECD, Exchange.MCX}


# Enough bad rows in the log to see what is wrong, not a line per row of a broken file.
_LOGGED_PER_EXCHANGE = 5


def parse_scrip_rows(exchange: Exchange, raw: Iterable[dict[str, str]]) -> list[ScripRow]:
    """The rows of getscripmastercsv that parse; each other row is logged and counted in
    market_data_scrip_rows_skipped_total, and never costs the exchange its other rows."""
    rows: list[ScripRow] = []
    skipped = 0
    for line, fields in enumerate(raw, start=2):  # line 1 is the header
        try:
            row = ScripRow.from_row(fields)
            problem = _implausible(row)
        except (ValueError, ArithmeticError) as error:
            problem = str(error)
        if problem is None:
            rows.append(row)
            continue
        skipped += 1
        SCRIP_ROWS_SKIPPED.labels(exchange=exchange.value).inc()
        if skipped <= _LOGGED_PER_EXCHANGE:
            code = (fields.get("scripcode") or "").strip() or "?"
            log.warning("%s scrip master line %d (scripcode %s) skipped: %s",
                        exchange, line, code, problem)  # fmt: skip
    if skipped:
        log.warning("%s scrip master: %d row(s) skipped, %d loaded", exchange, skipped, len(rows))
    return rows


def _implausible(row: ScripRow) -> str | None:
    if row.token <= 0:
        return f"scripcode {row.token} is not a scrip code"
    if row.tick_size <= 0:
        return f"ticksize {row.tick_size} is not positive"
    return None


def records_from_scrips(exchange: Exchange, rows: Iterable[ScripRow]) -> list[InstrumentRecord]:
    """The rows of one exchange's master; a scrip code listed twice keeps its first row."""
    seen: set[int] = set()
    records: list[InstrumentRecord] = []
    for row in rows:
        if row.suspended or row.token <= 0 or row.token in seen or row.tick_size <= 0:
            continue
        seen.add(row.token)
        records.append(
            InstrumentRecord(
                exchange=exchange,
                token=row.token,
                symbol=_symbol(exchange, row),
                name=(row.full_name or row.name or row.short_name).strip(),
                instrument_type=(row.instrument or _default_type(exchange)).strip().upper(),
                lot_size=max(row.lot_size, 1),
                tick_size=row.tick_size,
            )
        )
    return records


def _default_type(exchange: Exchange) -> str:
    return "FUT" if exchange in _DERIVATIVE_EXCHANGES else "EQ"


def _symbol(exchange: Exchange, row: ScripRow) -> str:
    base = (row.short_name or row.name.split(" ")[0]).strip().upper().replace(" ", "")
    if exchange not in _DERIVATIVE_EXCHANGES or row.expiry is None:
        name = row.name.strip().upper()
        for series in _CASH_SERIES:
            if name.endswith(series):
                return name.removesuffix(series).replace(" ", "")
        return base or name.replace(" ", "")
    expiry = row.expiry.strftime("%y%b").upper()
    option = row.option_type.strip().upper()
    if option in ("CE", "PE"):
        return f"{base}{expiry}{_strike(row.strike)}{option}"
    return f"{base}{expiry}FUT"


def _strike(strike: Decimal) -> str:
    normal = strike.normalize()
    return f"{normal:f}" if normal == normal.to_integral_value() else f"{strike:f}"
