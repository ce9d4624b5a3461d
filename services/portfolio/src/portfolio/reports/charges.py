"""Charges a day's fills cost, estimated from the schedule in data/charges.toml (pure once
the schedule is loaded).

Segments: equity delivery (cash exchanges, DELIVERY and MTF), equity intraday (cash,
INTRADAY), futures and options (the F&O exchanges; an option's symbol ends in CE or PE).
Fills on other exchanges (currency, commodities) have no schedule: they are counted as
`unpriced_fills` and cost nothing here.

How the figures are made, for one client's day (every figure in rupees, to the paisa):
- brokerage per executed order: `brokerage_pct` of the order's traded value plus
  `brokerage_per_order`, capped at `brokerage_max_per_order`; rounded per order;
- per segment: STT on buy and sell value, exchange transaction charges on the value traded
  on each exchange, the SEBI fee per crore of turnover, stamp duty on buy value, each
  rounded half-up to the paisa; GST on that segment's brokerage + exchange + SEBI fee.
The broker's contract note rounds some of these per note (STT to the rupee): these are
estimates, good to a few rupees on a busy day.
"""

import tomllib
from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass
from datetime import date
from decimal import ROUND_HALF_UP, Decimal, InvalidOperation
from enum import StrEnum
from pathlib import Path
from typing import Any

from common.contracts.envelope import Contract, Money
from common.enums import Exchange, Side, TradeType

from portfolio.book import PAISA, ZERO

CRORE = Decimal(10_000_000)
HUNDRED = Decimal(100)

DEFAULT_SCHEDULE = Path(__file__).resolve().parents[5] / "data" / "charges.toml"
"""The repository's schedule (a checkout); an image has it at ./data (its WORKDIR)."""

_CASH = frozenset({Exchange.NSE, Exchange.BSE})
_FNO = frozenset({Exchange.NSEFO, Exchange.BSEFO})


class Segment(StrEnum):
    EQUITY_DELIVERY = "equity_delivery"
    EQUITY_INTRADAY = "equity_intraday"
    FUTURES = "futures"
    OPTIONS = "options"


def segment_of(exchange: Exchange, trade_type: TradeType, symbol: str) -> Segment | None:
    """The segment a fill is charged in; None where the schedule has none."""
    if exchange in _CASH:
        if trade_type is TradeType.INTRADAY:
            return Segment.EQUITY_INTRADAY
        return Segment.EQUITY_DELIVERY
    if exchange in _FNO:
        compact = symbol.replace(" ", "").upper()
        return Segment.OPTIONS if compact.endswith(("CE", "PE")) else Segment.FUTURES
    return None


@dataclass(frozen=True)
class SegmentRates:
    """Percentages are of traded value (already divided by 100 here: fractions)."""

    brokerage: Decimal
    brokerage_per_order: Decimal
    brokerage_max_per_order: Decimal | None
    stt_buy: Decimal
    stt_sell: Decimal
    exchange: Mapping[Exchange, Decimal]
    stamp_buy: Decimal


@dataclass(frozen=True)
class Rates:
    effective_from: date
    source: str
    gst: Decimal
    sebi_per_crore: Decimal
    segments: Mapping[Segment, SegmentRates]


class ScheduleError(ValueError):
    """The schedule file has an entry we cannot read: says which and why."""


@dataclass(frozen=True)
class Schedule:
    """Every set of rates, oldest first; a day uses the latest in force on it."""

    rates: Sequence[Rates]

    def on(self, day: date) -> Rates:
        found = [r for r in self.rates if r.effective_from <= day]
        if not found:
            first = self.rates[0].effective_from if self.rates else None
            raise LookupError(f"no charge schedule in force on {day} (the first is from {first})")
        return found[-1]


def _decimal(value: Any, where: str) -> Decimal:
    try:
        return Decimal(str(value))
    except InvalidOperation:
        raise ScheduleError(f"{where}: {value!r} is not a number") from None


def _segment_rates(raw: Mapping[str, Any], where: str) -> SegmentRates:
    def pct(name: str) -> Decimal:
        if name not in raw:
            raise ScheduleError(f"{where}: {name} is missing")
        return _decimal(raw[name], f"{where}.{name}") / HUNDRED

    cap = str(raw.get("brokerage_max_per_order", "")).strip()
    try:
        exchange = {Exchange(k): v / HUNDRED for k, v in _exchange_rates(raw, where).items()}
    except ValueError as error:
        raise ScheduleError(f"{where}.exchange_pct: {error}") from None
    return SegmentRates(
        brokerage=pct("brokerage_pct"),
        brokerage_per_order=_decimal(raw.get("brokerage_per_order", "0"), where),
        brokerage_max_per_order=_decimal(cap, where) if cap else None,
        stt_buy=pct("stt_buy_pct"),
        stt_sell=pct("stt_sell_pct"),
        exchange=exchange,
        stamp_buy=pct("stamp_buy_pct"),
    )


def _exchange_rates(raw: Mapping[str, Any], where: str) -> dict[str, Decimal]:
    table = raw.get("exchange_pct")
    if not isinstance(table, dict):
        raise ScheduleError(f"{where}: exchange_pct must be a table of exchange = percent")
    return {k: _decimal(v, f"{where}.exchange_pct.{k}") for k, v in table.items()}


def parse_schedule(text: str, source: str = "data/charges.toml") -> Schedule:
    try:
        doc = tomllib.loads(text)
    except tomllib.TOMLDecodeError as error:
        raise ScheduleError(f"{source}: {error}") from None
    rates = []
    for n, entry in enumerate(doc.get("schedule", []), 1):
        where = f"{source} schedule #{n}"
        try:
            effective = date.fromisoformat(str(entry["effective_from"]))
        except (KeyError, ValueError):
            raise ScheduleError(f"{where}: effective_from must be a date YYYY-MM-DD") from None
        segments = entry.get("segments", {})
        missing = [s.value for s in Segment if s.value not in segments]
        if missing:
            raise ScheduleError(f"{where}: segments missing: {', '.join(missing)}")
        rates.append(
            Rates(
                effective_from=effective,
                source=str(entry.get("source", "")),
                gst=_decimal(entry.get("gst_pct", "18"), where) / HUNDRED,
                sebi_per_crore=_decimal(entry.get("sebi_fee_per_crore", "10"), where),
                segments={s: _segment_rates(segments[s.value], f"{where}.{s}") for s in Segment},
            )
        )
    if not rates:
        raise ScheduleError(f"{source}: no [[schedule]] entries")
    return Schedule(sorted(rates, key=lambda r: r.effective_from))


def load_schedule(path: Path | None = None) -> Schedule:
    """The schedule at `path`, or the repository's (./data in an image)."""
    if path is None:
        found = [f for f in (DEFAULT_SCHEDULE, Path("data/charges.toml")) if f.exists()]
        if not found:
            raise ScheduleError("no data/charges.toml: the day report needs a charge schedule")
        path = found[0]
    return parse_schedule(path.read_text(), str(path))


# --- the computation --------------------------------------------------------------------


@dataclass(frozen=True)
class ChargeableFill:
    """What the charges of one fill depend on."""

    order_id: str
    exchange: Exchange
    trade_type: TradeType
    symbol: str
    side: Side
    quantity: int
    price: Decimal


class Charges(Contract):
    """A client's estimated charges for one day, in rupees."""

    brokerage: Money = ZERO
    stt: Money = ZERO
    exchange_charges: Money = ZERO
    sebi_fee: Money = ZERO
    stamp_duty: Money = ZERO
    gst: Money = ZERO
    total: Money = ZERO

    def __add__(self, other: "Charges") -> "Charges":
        names = ("brokerage", "stt", "exchange_charges", "sebi_fee", "stamp_duty", "gst")
        parts = {n: getattr(self, n) + getattr(other, n) for n in names}
        return Charges(**parts, total=sum(parts.values(), ZERO))


def _paisa(value: Decimal) -> Decimal:
    return value.quantize(PAISA, rounding=ROUND_HALF_UP)


def _segment_charges(rates: Rates, seg: SegmentRates, fills: Sequence[ChargeableFill]) -> Charges:
    orders: dict[str, Decimal] = defaultdict(lambda: ZERO)
    buy = sell = ZERO
    by_exchange: dict[Exchange, Decimal] = defaultdict(lambda: ZERO)
    for f in fills:
        value = f.price * f.quantity
        orders[f.order_id] += value
        by_exchange[f.exchange] += value
        if f.side is Side.BUY:
            buy += value
        else:
            sell += value
    brokerage = ZERO
    for value in orders.values():
        fee = value * seg.brokerage + seg.brokerage_per_order
        if seg.brokerage_max_per_order is not None:
            fee = min(fee, seg.brokerage_max_per_order)
        brokerage += _paisa(fee)
    exchange = _paisa(sum((v * seg.exchange.get(x, ZERO) for x, v in by_exchange.items()), ZERO))
    sebi = _paisa((buy + sell) * rates.sebi_per_crore / CRORE)
    gst = _paisa((brokerage + exchange + sebi) * rates.gst)
    parts = {
        "brokerage": brokerage,
        "stt": _paisa(buy * seg.stt_buy + sell * seg.stt_sell),
        "exchange_charges": exchange,
        "sebi_fee": sebi,
        "stamp_duty": _paisa(buy * seg.stamp_buy),
        "gst": gst,
    }
    return Charges(**parts, total=sum(parts.values(), ZERO))


def charges_for(rates: Rates, fills: Iterable[ChargeableFill]) -> tuple[Charges, int]:
    """One client's day: its charges, and how many fills had no schedule (unpriced)."""
    by_segment: dict[Segment, list[ChargeableFill]] = defaultdict(list)
    unpriced = 0
    for f in fills:
        segment = segment_of(f.exchange, f.trade_type, f.symbol)
        if segment is None:
            unpriced += 1
        else:
            by_segment[segment].append(f)
    total = Charges()
    for segment in Segment:
        if by_segment[segment]:
            total = total + _segment_charges(rates, rates.segments[segment], by_segment[segment])
    return total, unpriced
