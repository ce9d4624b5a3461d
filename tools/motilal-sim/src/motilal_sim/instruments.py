"""The instrument master, read from data/tokens.csv.

Columns: symbol,token_id,exchange,instrument_type,lot_size,tick_size and, optionally,
name,lower_circuit,upper_circuit,freeze_quantity. An F&O order above the freeze quantity
(shares) is rejected, as the exchange does. The previous close is the middle of the circuit band.
A derivative's expiry is the date in its name, as Motilal writes it ("NIFTY 29-Dec-2026 FUT").
"""

import csv
import re
from dataclasses import dataclass
from datetime import date, datetime
from decimal import ROUND_HALF_UP, Decimal
from pathlib import Path

_DATE_IN_NAME = re.compile(r"\b(\d{1,2}-[A-Za-z]{3}-\d{4})\b")


@dataclass(frozen=True)
class Instrument:
    symbol: str
    token: int
    exchange: str
    instrument_type: str
    lot_size: int
    tick_size: Decimal
    name: str
    lower_circuit: Decimal | None
    upper_circuit: Decimal | None
    freeze_quantity: int | None = None

    @property
    def key(self) -> tuple[str, int]:
        return (self.exchange, self.token)

    @property
    def expiry(self) -> date | None:
        found = _DATE_IN_NAME.search(self.name) if self.is_derivative else None
        return datetime.strptime(found.group(1), "%d-%b-%Y").date() if found else None

    @property
    def underlying(self) -> str:
        """Motilal's `scripshortname`: the bare name ("NIFTY" for NIFTY26DECFUT)."""
        return self.name.split(" ")[0] if self.is_derivative else self.symbol

    @property
    def tradeable(self) -> bool:
        return self.instrument_type != "INDEX"

    @property
    def is_derivative(self) -> bool:
        return self.exchange in ("NSEFO", "BSEFO", "NSECD", "MCX")

    def round_to_tick(self, price: Decimal) -> Decimal:
        ticks = (price / self.tick_size).quantize(Decimal(1), ROUND_HALF_UP)
        return (ticks * self.tick_size).quantize(self.tick_size)

    def on_tick(self, price: Decimal) -> bool:
        return price % self.tick_size == 0

    def reference_price(self) -> Decimal:
        if self.lower_circuit is not None and self.upper_circuit is not None:
            return self.round_to_tick((self.lower_circuit + self.upper_circuit) / 2)
        return Decimal(100)


def _optional(value: str | None) -> Decimal | None:
    return Decimal(value) if value and value.strip() else None


def load_instruments(path: Path) -> dict[tuple[str, int], Instrument]:
    found: dict[tuple[str, int], Instrument] = {}
    with path.open(newline="", encoding="utf-8") as handle:
        for line, row in enumerate(csv.DictReader(handle), start=2):
            try:
                instrument = Instrument(
                    symbol=row["symbol"].strip(),
                    token=int(row["token_id"]),
                    exchange=row["exchange"].strip().upper(),
                    instrument_type=row["instrument_type"].strip().upper(),
                    lot_size=int(row["lot_size"]),
                    tick_size=Decimal(row["tick_size"]),
                    name=(row.get("name") or row["symbol"]).strip(),
                    lower_circuit=_optional(row.get("lower_circuit")),
                    upper_circuit=_optional(row.get("upper_circuit")),
                    freeze_quantity=int(row["freeze_quantity"])
                    if (row.get("freeze_quantity") or "").strip()
                    else None,
                )
            except (KeyError, ValueError, ArithmeticError) as exc:
                raise ValueError(f"{path}:{line}: bad instrument row ({exc})") from exc
            if instrument.key in found:
                raise ValueError(
                    f"{path}:{line}: duplicate {instrument.exchange} token {instrument.token}"
                )
            found[instrument.key] = instrument
    return found
