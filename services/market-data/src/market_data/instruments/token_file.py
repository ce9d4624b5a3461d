"""Reading the token CSV (data/tokens.csv): every bad row is reported, none is guessed at.

Format (header required, column order free):
    symbol,token_id,exchange,instrument_type,lot_size,tick_size[,name,lower_circuit,upper_circuit,
    freeze_quantity]

`freeze_quantity` (shares, F&O rows only, blank for none) is the exchange's published
quantity freeze: NSE's circular of 29 Aug 2025, in force from 1 Sep 2025, sets NIFTY 1800,
BANKNIFTY 900, FINNIFTY 1800, MIDCPNIFTY 2800, NIFTYNXT50 600 (checked 30 Nov 2026).

A file with any bad row is refused whole, so a typo can never load half a master. Each
problem names the line, the field and the reason:
    data/tokens.csv line 14: lot_size 'x' is not a whole number
"""

from __future__ import annotations

import csv
import io
from collections.abc import Callable, Iterator
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import TypeVar

from common.enums import Exchange

from market_data.instruments.records import InstrumentRecord

REQUIRED_COLUMNS = ("symbol", "token_id", "exchange", "instrument_type", "lot_size", "tick_size")
OPTIONAL_COLUMNS = ("name", "lower_circuit", "upper_circuit", "freeze_quantity")
T = TypeVar("T")
HEADER = ",".join(REQUIRED_COLUMNS + OPTIONAL_COLUMNS)
MAX_REPORTED = 50
"""Problems listed in an error; a file with thousands of bad rows says "and N more"."""


@dataclass(frozen=True, slots=True)
class RowProblem:
    line: int
    field: str | None
    reason: str


class TokenFileError(ValueError):
    """The file cannot be loaded; `problems` says where and why, one entry per bad field."""

    def __init__(self, source: str, problems: list[RowProblem]) -> None:
        self.source = source
        self.problems = problems
        super().__init__(self.describe())

    def lines(self) -> list[str]:
        return [
            f"{self.source} line {p.line}: {p.reason}" if p.line else f"{self.source} {p.reason}"
            for p in self.problems
        ]

    def describe(self) -> str:
        shown = self.lines()[:MAX_REPORTED]
        more = len(self.problems) - len(shown)
        if more > 0:
            shown.append(f"... and {more} more problems")
        return "\n".join(shown) + "\nnothing was loaded"


class _FieldError(Exception):
    def __init__(self, field: str, reason: str) -> None:
        self.field = field
        self.reason = reason


def parse_token_csv(text: str, source: str = "data/tokens.csv") -> list[InstrumentRecord]:
    """Every row of the file, or TokenFileError listing every bad one."""
    reader = csv.DictReader(io.StringIO(text.removeprefix("\ufeff"), newline=""))
    header = [(name or "").strip() for name in (reader.fieldnames or [])]
    problems = _header_problems(header)
    if problems:
        raise TokenFileError(source, problems)
    reader.fieldnames = header

    records: list[InstrumentRecord] = []
    seen_tokens: dict[tuple[Exchange, int], int] = {}
    seen_symbols: dict[tuple[Exchange, str], int] = {}
    try:
        rows = list(_rows(reader))
    except csv.Error as error:
        problem = RowProblem(reader.line_num, None, f"not valid CSV: {error}")
        raise TokenFileError(source, [problem]) from error
    for line, row in rows:
        row_problems: list[RowProblem] = []
        record = _parse_row(row, line, row_problems)
        if record is not None:
            first = seen_tokens.setdefault(record.key, line)
            if first != line:
                row_problems.append(_dup(line, "token_id", record, record.token, first))
            first = seen_symbols.setdefault((record.exchange, record.symbol.upper()), line)
            if first != line:
                row_problems.append(_dup(line, "symbol", record, record.symbol, first))
        if row_problems:
            problems.extend(row_problems)
        elif record is not None:
            records.append(record)
    if problems:
        raise TokenFileError(source, problems)
    if not records:
        raise TokenFileError(source, [RowProblem(1, None, "the file has a header but no rows")])
    return records


def _dup(line: int, field: str, record: InstrumentRecord, value: object, first: int) -> RowProblem:
    return RowProblem(
        line, field, f"{field} {value!r} on {record.exchange} is already on line {first}"
    )


def _header_problems(header: list[str]) -> list[RowProblem]:
    if not header:
        return [RowProblem(1, None, f"the file is empty; the header must be {HEADER}")]
    missing = [c for c in REQUIRED_COLUMNS if c not in header]
    if missing:
        return [
            RowProblem(
                1,
                column,
                f"missing column {column} (the header must include {', '.join(REQUIRED_COLUMNS)})",
            )
            for column in missing
        ]
    doubled = sorted({c for c in header if header.count(c) > 1})
    return [RowProblem(1, c, f"column {c} appears twice") for c in doubled]


def _rows(reader: csv.DictReader[str]) -> Iterator[tuple[int, dict[str | None, str | None]]]:
    """(line number where the row starts, row); the reader skips blank lines itself."""
    for row in reader:
        cells = [v for v in row.values() if isinstance(v, str)]
        extra = row.get(None)
        if isinstance(extra, list):
            cells.extend(v for v in extra if isinstance(v, str))
        # A quoted field may span lines: count back to where the row began.
        yield reader.line_num - sum(c.count("\n") for c in cells), row


def _parse_row(
    row: dict[str | None, str | None], line: int, problems: list[RowProblem]
) -> InstrumentRecord | None:
    expected = len(row) - (1 if None in row else 0)
    if None in row:
        extra = row[None]
        count = expected + (len(extra) if isinstance(extra, list) else 1)
        problems.append(RowProblem(line, None, f"expected {expected} fields, found {count}"))
        return None
    if any(value is None for value in row.values()):
        found = sum(value is not None for value in row.values())
        problems.append(RowProblem(line, None, f"expected {expected} fields, found {found}"))
        return None
    cells = {k: (v or "").strip() for k, v in row.items() if k is not None}

    def field(parse: Callable[[str, str], T], column: str) -> T | None:
        try:
            return parse(column, cells.get(column, ""))
        except _FieldError as error:
            problems.append(RowProblem(line, error.field, f"{error.field} {error.reason}"))
            return None

    symbol = field(_text, "symbol")
    token = field(_whole, "token_id")
    exchange = field(_exchange, "exchange")
    instrument_type = field(_text, "instrument_type")
    lot_size = field(_whole, "lot_size")
    tick_size = field(_price, "tick_size")
    lower = field(_optional_price, "lower_circuit")
    upper = field(_optional_price, "upper_circuit")
    freeze = field(_optional_whole, "freeze_quantity")
    if (
        problems
        or symbol is None
        or token is None
        or exchange is None
        or instrument_type is None
        or lot_size is None
        or tick_size is None
    ):
        return None
    if lower is not None and upper is not None and lower > upper:
        reason = f"lower_circuit {lower} is above upper_circuit {upper}"
        problems.append(RowProblem(line, "lower_circuit", reason))
        return None
    return InstrumentRecord(
        exchange=exchange,
        token=token,
        symbol=symbol,
        name=cells.get("name") or symbol,
        instrument_type=instrument_type,
        lot_size=lot_size,
        tick_size=tick_size,
        lower_circuit=lower,
        upper_circuit=upper,
        freeze_quantity=freeze,
    )


def _text(column: str, value: str) -> str:
    if not value:
        raise _FieldError(column, "is empty")
    if any(ch.isspace() for ch in value):
        raise _FieldError(column, f"{value!r} contains spaces")
    return value.upper()


def _whole(column: str, value: str) -> int:
    if not value:
        raise _FieldError(column, "is empty")
    if not value.isdigit():
        raise _FieldError(column, f"{value!r} is not a whole number")
    number = int(value)
    if number <= 0:
        raise _FieldError(column, f"{value!r} must be greater than 0")
    return number


def _optional_whole(column: str, value: str) -> int | None:
    return _whole(column, value) if value else None


def _exchange(column: str, value: str) -> Exchange:
    try:
        return Exchange(value.upper())
    except ValueError:
        allowed = ", ".join(e.value for e in Exchange)
        raise _FieldError(column, f"{value!r} is not one of {allowed}") from None


def _price(column: str, value: str) -> Decimal:
    if not value:
        raise _FieldError(column, "is empty")
    try:
        price = Decimal(value)
    except InvalidOperation:
        raise _FieldError(column, f"{value!r} is not a number") from None
    if not price.is_finite() or price <= 0:
        raise _FieldError(column, f"{value!r} must be a number greater than 0")
    return price


def _optional_price(column: str, value: str) -> Decimal | None:
    return _price(column, value) if value else None
