"""Prices: one seeded random walk per instrument, tick-rounded and held inside the circuit band."""

import random
import zlib
from dataclasses import dataclass, field
from datetime import UTC, datetime
from decimal import Decimal

from motilal_sim.instruments import Instrument


@dataclass
class Quote:
    instrument: Instrument
    ltp: Decimal
    prev_close: Decimal
    open: Decimal
    high: Decimal
    low: Decimal
    volume: int = 0
    last_qty: int = 0
    turnover: Decimal = Decimal(0)
    time: datetime = field(default_factory=lambda: datetime.now(UTC))

    @property
    def bid(self) -> Decimal:
        return self.ltp - self.instrument.tick_size

    @property
    def ask(self) -> Decimal:
        return self.ltp + self.instrument.tick_size

    @property
    def average_price(self) -> Decimal:
        return (self.turnover / self.volume).quantize(Decimal("0.01")) if self.volume else self.ltp

    def move_to(self, price: Decimal, qty: int = 0) -> None:
        self.ltp = price
        self.high = max(self.high, price)
        self.low = min(self.low, price)
        self.last_qty = qty or self.last_qty
        self.time = datetime.now(UTC)

    def record_trade(self, qty: int, price: Decimal) -> None:
        self.volume += qty
        self.last_qty = qty
        self.turnover += price * qty


class Market:
    def __init__(self, instruments: dict[tuple[str, int], Instrument], seed: int) -> None:
        self._seed = seed
        self.quotes: dict[tuple[str, int], Quote] = {}
        self._rngs: dict[tuple[str, int], random.Random] = {}
        for key, inst in instruments.items():
            close = inst.reference_price()
            self.quotes[key] = Quote(inst, close, close, close, close, close)
            # One generator per instrument, so adding a scrip never changes another's path.
            self._rngs[key] = random.Random(zlib.crc32(f"{seed}:{key}".encode()))

    def clamp(self, inst: Instrument, price: Decimal) -> Decimal:
        price = inst.round_to_tick(price)
        if inst.lower_circuit is not None:
            price = max(price, inst.lower_circuit)
        if inst.upper_circuit is not None:
            price = min(price, inst.upper_circuit)
        return max(price, inst.tick_size)

    def step(self, volatility: float) -> list[Quote]:
        """One walk step for every instrument; returns the quotes that changed."""
        moved = []
        for key, quote in self.quotes.items():
            shock = Decimal(str(round(self._rngs[key].gauss(0.0, volatility), 6)))
            price = self.clamp(quote.instrument, quote.ltp * (1 + shock))
            if price != quote.ltp:
                quote.move_to(price)
                moved.append(quote)
        return moved
