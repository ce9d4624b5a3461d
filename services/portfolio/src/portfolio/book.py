"""Where fills become positions: the average-cost position book (pure, no I/O).

A position (a "trade" in the API) is one life of a client's holding in one instrument and
trade type: it opens with the fill that takes the net quantity away from zero and closes
with the fill that brings it back to zero. A fill that flips the side closes the position
with the part that reaches zero and opens a new one with the rest.

Money is kept so that no rupee is lost or invented by rounding:

- `open_value` is what the open quantity cost (long) or brought in (short): the exact sum
  of price x quantity of the opening fills, less the cost released by reductions.
- A reduction of `q` out of `n` open shares releases `open_value * q / n`, rounded to the
  paisa (half-even); the last share always releases exactly what is left. Realized P&L of
  that fill is proceeds minus released cost (long) or released value minus cost (short).
- Hence, per instrument and trade type, exactly:
  `sum(realized) + unrealized(L) == sell_value - buy_value + net * L` for any last price L.
- `average_price` is `open_value / |net|`, shown to 4 decimals; it only changes when the
  position grows (a reduction keeps it, up to the paisa rounding above).

`position_id` is derived from the client, exchange, token, trade type, and the trade number
and trading date of the opening fill, so replaying the same fills rebuilds the same ids, and
a position that reopens after it was CLOSED gets a new id (trade numbers restart every
session: the date keeps day two's T1 apart from day one's).

A fill is identified by client, exchange, trading date (the IST date of the trade) and
trade number (`FillIn.marker`); the realized P&L it books (`realized_by`) belongs to that
trading date, which is how today's P&L starts at zero the next morning.
"""

import hashlib
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date, datetime
from decimal import ROUND_HALF_EVEN, Decimal

from common.enums import Exchange, PositionStatus, Side, TradeType
from common.trading_days import trading_date

PAISA = Decimal("0.01")
PRICE_PLACES = Decimal("0.0001")
ZERO = Decimal(0)


@dataclass(frozen=True)
class PositionKey:
    """What a position is held in: one client, one instrument, one trade type."""

    client_id: str
    exchange: Exchange
    token: int
    trade_type: TradeType


@dataclass(frozen=True)
class FillIn:
    """One broker trade as the book needs it (quantity in shares, price in rupees)."""

    client_id: str
    trade_no: str
    order_id: str
    exchange: Exchange
    token: int
    symbol: str
    trade_type: TradeType
    side: Side
    quantity: int
    price: Decimal
    traded_at: datetime

    @property
    def key(self) -> PositionKey:
        return PositionKey(self.client_id, self.exchange, self.token, self.trade_type)

    @property
    def trading_date(self) -> date:
        """The session the trade belongs to (its realized P&L is booked to this day)."""
        return trading_date(self.traded_at)

    @property
    def marker(self) -> "FillMarker":
        """What identifies this trade: trade numbers restart every session and exchange."""
        return (self.client_id, self.exchange, self.trading_date, self.trade_no)

    @property
    def signed_quantity(self) -> int:
        return self.quantity if self.side is Side.BUY else -self.quantity


FillMarker = tuple[str, Exchange, date, str]
"""(client_id, exchange, trading date, trade_no): a fill applied once."""


def position_id_for(key: PositionKey, opening_trade_no: str, opened_on: date) -> str:
    """Stable id: the same opening fill (trade number on its trading date) names the same
    position."""
    raw = (
        f"{key.client_id}|{key.exchange}|{key.token}|{key.trade_type}|{opening_trade_no}"
        f"|{opened_on.isoformat()}"
    )
    return "pos_" + hashlib.sha256(raw.encode()).hexdigest()[:24]


@dataclass(frozen=True)
class Position:
    position_id: str
    key: PositionKey
    symbol: str
    opening_trade_no: str
    opened_at: datetime
    net_quantity: int = 0
    open_value: Decimal = ZERO
    buy_quantity: int = 0
    buy_value: Decimal = ZERO
    sell_quantity: int = 0
    sell_value: Decimal = ZERO
    realized_pnl: Decimal = ZERO
    closed_at: datetime | None = None
    updated_at: datetime | None = None

    @property
    def status(self) -> PositionStatus:
        return PositionStatus.ACTIVE if self.net_quantity != 0 else PositionStatus.CLOSED

    @property
    def average_price(self) -> Decimal:
        """Volume-weighted average open price of the open quantity; 0 once closed."""
        if self.net_quantity == 0:
            return ZERO
        return (self.open_value / abs(self.net_quantity)).quantize(PRICE_PLACES, ROUND_HALF_EVEN)

    def unrealized_pnl(self, last_price: Decimal | None) -> Decimal:
        """P&L of the open quantity at `last_price` (0 when closed or no price is known)."""
        if self.net_quantity == 0 or last_price is None:
            return ZERO
        signed_cost = self.open_value if self.net_quantity > 0 else -self.open_value
        return self.net_quantity * last_price - signed_cost

    def market_value(self, last_price: Decimal | None) -> Decimal:
        """Signed value of the open quantity at `last_price` (at cost when no price is known)."""
        if last_price is None:
            return self.open_value if self.net_quantity >= 0 else -self.open_value
        return self.net_quantity * last_price


def _open(fill: FillIn, quantity: int) -> Position:
    """A new position opened by `quantity` shares of `fill` (on the fill's side)."""
    value = fill.price * quantity
    buy = fill.side is Side.BUY
    return Position(
        position_id=position_id_for(fill.key, fill.trade_no, fill.trading_date),
        key=fill.key,
        symbol=fill.symbol,
        opening_trade_no=fill.trade_no,
        opened_at=fill.traded_at,
        net_quantity=quantity if buy else -quantity,
        open_value=value,
        buy_quantity=quantity if buy else 0,
        buy_value=value if buy else ZERO,
        sell_quantity=0 if buy else quantity,
        sell_value=ZERO if buy else value,
        updated_at=fill.traded_at,
    )


def _with_trade(position: Position, fill: FillIn, quantity: int) -> Position:
    """Counters of `position` with `quantity` shares of `fill` added on its side."""
    value = fill.price * quantity
    if fill.side is Side.BUY:
        return replace(
            position,
            buy_quantity=position.buy_quantity + quantity,
            buy_value=position.buy_value + value,
            updated_at=fill.traded_at,
        )
    return replace(
        position,
        sell_quantity=position.sell_quantity + quantity,
        sell_value=position.sell_value + value,
        updated_at=fill.traded_at,
    )


def _grow(position: Position, fill: FillIn) -> Position:
    grown = _with_trade(position, fill, fill.quantity)
    return replace(
        grown,
        net_quantity=position.net_quantity + fill.signed_quantity,
        open_value=position.open_value + fill.price * fill.quantity,
    )


def _reduce(position: Position, fill: FillIn, quantity: int) -> Position:
    """Close `quantity` (<= |net|) shares of `position` at the fill's price."""
    open_qty = abs(position.net_quantity)
    if quantity == open_qty:
        released = position.open_value
    else:
        released = (position.open_value * quantity / open_qty).quantize(PAISA, ROUND_HALF_EVEN)
    trade_value = fill.price * quantity
    realized = trade_value - released if position.net_quantity > 0 else released - trade_value
    reduced = _with_trade(position, fill, quantity)
    remaining = open_qty - quantity
    return replace(
        reduced,
        net_quantity=remaining if position.net_quantity > 0 else -remaining,
        open_value=position.open_value - released,
        realized_pnl=position.realized_pnl + realized,
        closed_at=fill.traded_at if remaining == 0 else None,
    )


def apply_fill(active: Position | None, fill: FillIn) -> list[Position]:
    """The positions `fill` changes: the active one, and a new one when it opens or flips.

    `active` is the key's ACTIVE position, or None when the client is flat in it.
    """
    if fill.quantity <= 0:
        raise ValueError(f"fill {fill.trade_no}: quantity must be positive, got {fill.quantity}")
    if active is None or active.net_quantity == 0:
        return [_open(fill, fill.quantity)]
    if active.key != fill.key:
        raise ValueError(f"fill {fill.trade_no} is for {fill.key}, not {active.key}")
    same_side = (active.net_quantity > 0) == (fill.side is Side.BUY)
    if same_side:
        return [_grow(active, fill)]
    open_qty = abs(active.net_quantity)
    if fill.quantity <= open_qty:
        return [_reduce(active, fill, fill.quantity)]
    closed = _reduce(active, fill, open_qty)
    return [closed, _open(fill, fill.quantity - open_qty)]


def realized_by(active: Position | None, changed: list[Position]) -> Decimal:
    """The realized P&L a fill booked: what `apply_fill(active, fill)` added (a flip's new
    position starts at zero, so this is the reduction of the old one)."""
    same = active is not None and changed[0].position_id == active.position_id
    before = active.realized_pnl if active is not None and same else ZERO
    return sum((p.realized_pnl for p in changed), ZERO) - before


@dataclass
class PositionBook:
    """Every position of many clients, in memory: the reference for replay and tests.

    The service keeps the same state in PostgreSQL and uses `apply_fill` the same way.
    """

    positions: dict[str, Position] = field(default_factory=dict)
    active: dict[PositionKey, str] = field(default_factory=dict)
    applied: set[FillMarker] = field(default_factory=set)

    def apply(self, fill: FillIn) -> list[Position]:
        """Apply `fill` once per `FillIn.marker`; a repeat changes nothing."""
        marker = fill.marker
        if marker in self.applied:
            return []
        self.applied.add(marker)
        current_id = self.active.get(fill.key)
        current = self.positions[current_id] if current_id else None
        changed = apply_fill(current, fill)
        for position in changed:
            self.positions[position.position_id] = position
        latest = changed[-1]
        if latest.status == "ACTIVE":
            self.active[fill.key] = latest.position_id
        else:
            self.active.pop(fill.key, None)
        return changed

    def apply_all(self, fills: Iterable[FillIn]) -> None:
        for fill in fills:
            self.apply(fill)

    def of_key(self, key: PositionKey) -> list[Position]:
        return sorted(
            (p for p in self.positions.values() if p.key == key), key=lambda p: p.opened_at
        )
