"""Open positions and last prices in memory, and when a client's P&L is due (pure, no I/O).

A quote tick must cost work in proportion to the holders of THAT instrument, never to all
positions or clients, and must write nothing to PostgreSQL. So the portfolio keeps, in
memory, every open position indexed by instrument (exchange, token) and by client, each
client's realized P&L over all its positions, and the last price of each instrument.

- It holds the clients whose fills this replica applies (`ownership.py`): loaded from
  PostgreSQL when their partition is assigned (open positions, realized sums overall and for
  today), dropped when it is revoked, and in between kept in step with every committed fill
  batch (`apply`), never re-read (but for fills another replica applied first: `replace`).
- Today's realized P&L counts what fills booked to today's trading date (the IST date of
  the trade). When the clock's trading date moves, today's figures start again at zero.
- A tick (`mark`) stores the price and names the clients whose P&L it moved: the holders of
  that instrument, if the price changed.
- `Conflator` decides which of those clients to publish and when: at most once per window per
  client, and only when the client's total P&L moved by at least a paisa since the figure it
  last published. A fill's update goes out at once and counts as the client's latest.
"""

from collections.abc import Callable, Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal
from typing import TypeVar

from common.contracts.envelope import utc_now
from common.enums import Exchange
from common.trading_days import trading_date

from portfolio.book import PAISA, ZERO, Position

InstrumentKey = tuple[Exchange, int]
K = TypeVar("K")


def today() -> date:
    """The trading date now (the service's clock; tests give the book their own)."""
    return trading_date(utc_now())


@dataclass(frozen=True)
class ClientPnl:
    realized: Decimal
    unrealized: Decimal
    realized_today: Decimal = ZERO

    @property
    def total(self) -> Decimal:
        return self.realized + self.unrealized


@dataclass(frozen=True)
class Loaded:
    """Some clients' state as stored: every one of `clients`, with or without positions."""

    clients: frozenset[str]
    open_positions: list[tuple[Position, Decimal | None]]
    """Open positions with the price stored at their last fill."""
    realized: Mapping[str, Decimal]
    realized_today: Mapping[str, Decimal]
    day: date
    """The trading date `realized_today` was read for."""


@dataclass
class LiveBook:
    """Every open position, by instrument and by client, with the last price of each."""

    _open: dict[str, Position] = field(default_factory=dict)
    _stored_price: dict[str, Decimal | None] = field(default_factory=dict)
    _holders: dict[InstrumentKey, set[str]] = field(default_factory=dict)
    _by_client: dict[str, set[str]] = field(default_factory=dict)
    _realized: dict[str, Decimal] = field(default_factory=dict)
    _marks: dict[InstrumentKey, Decimal] = field(default_factory=dict)
    clock: Callable[[], date] = today
    """The trading date now; `_day` is the one `_realized_today` counts."""
    _day: date | None = None
    _realized_today: dict[str, Decimal] = field(default_factory=dict)
    _cleared: set[str] = field(default_factory=set)
    owns: Callable[[str], bool] = lambda _client_id: True
    """Whether this replica applies the client's fills (`ownership.py`); a batch fetched
    before a rebalance may still bring fills of clients it no longer has."""

    def day(self) -> date:
        """Today's trading date; today's realized P&L starts at zero when it moves."""
        day = self.clock()
        if day != self._day:
            self._day = day
            self._cleared.update(c for c, v in self._realized_today.items() if v)
            self._realized_today.clear()
        return day

    def take_cleared(self) -> set[str]:
        """Clients whose today's realized P&L went back to zero at a new trading date since
        the last call (their published figure is yesterday's until they are published)."""
        cleared, self._cleared = self._cleared, set()
        return cleared

    def load(
        self,
        open_positions: Iterable[tuple[Position, Decimal | None]],
        realized: Mapping[str, Decimal],
        realized_today: Mapping[str, Decimal] | None = None,
        day: date | None = None,
    ) -> None:
        """Start from the stored state: open positions (with their stored last price), each
        client's realized P&L over every position it ever had, and what it booked on `day`
        (the trading date the caller read it for)."""
        self._realized.update(realized)
        if day is not None and day == self.day():
            self._realized_today.update(realized_today or {})
        for position, last_price in open_positions:
            self._put(position, last_price)

    def replace(self, loaded: Loaded) -> None:
        """Forget what the book held of these clients and take their stored state."""
        self.drop(loaded.clients)
        self.load(loaded.open_positions, loaded.realized, loaded.realized_today, loaded.day)

    def drop(self, clients: Iterable[str]) -> None:
        """Forget these clients (another replica applies their fills now)."""
        for client_id in clients:
            for position_id in list(self._by_client.get(client_id, ())):
                self._drop(position_id)
            self._realized.pop(client_id, None)
            self._realized_today.pop(client_id, None)
            self._cleared.discard(client_id)

    def clients(self) -> set[str]:
        """Every client the book holds anything of (a rebalance's look, not a tick's)."""
        return self._by_client.keys() | self._realized.keys() | self._realized_today.keys()

    @property
    def open_count(self) -> int:
        return len(self._open)

    def instruments(self) -> list[InstrumentKey]:
        """Instruments somebody holds (what a start-up seeds prices for)."""
        return sorted(self._holders)

    def last_price(self, instrument: InstrumentKey) -> Decimal | None:
        """The latest quote seen for the instrument, if any since start."""
        return self._marks.get(instrument)

    def price_of(self, position: Position) -> Decimal | None:
        """The price `position` is marked at: the instrument's latest quote, else the price
        stored with the position at its last fill."""
        key = (position.key.exchange, position.key.token)
        mark = self._marks.get(key)
        return mark if mark is not None else self._stored_price.get(position.position_id)

    def mark(self, prices: Mapping[InstrumentKey, Decimal]) -> set[str]:
        """Take the latest price of each instrument; the clients whose P&L it moved."""
        moved: set[str] = set()
        for instrument, price in prices.items():
            if self._marks.get(instrument) == price:
                continue
            self._marks[instrument] = price
            for position_id in self._holders.get(instrument, ()):
                moved.add(self._open[position_id].key.client_id)
        return moved

    def seed(self, prices: Mapping[InstrumentKey, Decimal]) -> None:
        """Prices known before any tick (Redis at start); a tick already seen wins."""
        for instrument, price in prices.items():
            self._marks.setdefault(instrument, price)

    def apply(
        self,
        positions: Iterable[Position],
        realized_delta: Mapping[str, Decimal],
        stored_prices: Mapping[str, Decimal | None],
        realized_by_day: Mapping[tuple[str, date], Decimal] | None = None,
    ) -> None:
        """Follow a committed fill batch: the final state of each position it changed, the
        realized P&L it added per client (and per client and trading date), and the last
        price stored with each position. Clients it does not own are left out."""
        for client_id, delta in realized_delta.items():
            if self.owns(client_id):
                self._realized[client_id] = self._realized.get(client_id, ZERO) + delta
        day = self.day()
        for (client_id, booked_on), delta in (realized_by_day or {}).items():
            if booked_on == day and self.owns(client_id):  # a late fill: not today's
                self._realized_today[client_id] = self._realized_today.get(client_id, ZERO) + delta
        for position in positions:
            if not self.owns(position.key.client_id):
                continue
            self._drop(position.position_id)
            if position.net_quantity != 0:
                self._put(position, stored_prices.get(position.position_id))

    def pnl(self, client_id: str) -> ClientPnl:
        """Realized over every position of the client, unrealized over its open ones."""
        unrealized = ZERO
        for position_id in self._by_client.get(client_id, ()):
            position = self._open[position_id]
            unrealized += position.unrealized_pnl(self.price_of(position))
        self.day()  # today's figures start at zero when the trading date moved
        return ClientPnl(
            self._realized.get(client_id, ZERO),
            unrealized,
            self._realized_today.get(client_id, ZERO),
        )

    def _put(self, position: Position, last_price: Decimal | None) -> None:
        pid = position.position_id
        self._open[pid] = position
        self._stored_price[pid] = last_price
        key = position.key
        self._holders.setdefault((key.exchange, key.token), set()).add(pid)
        self._by_client.setdefault(key.client_id, set()).add(pid)

    def _drop(self, position_id: str) -> None:
        position = self._open.pop(position_id, None)
        if position is None:
            return
        self._stored_price.pop(position_id, None)
        key = position.key
        _discard(self._holders, (key.exchange, key.token), position_id)
        _discard(self._by_client, key.client_id, position_id)


def _discard(index: dict[K, set[str]], key: K, position_id: str) -> None:
    ids = index.get(key)
    if ids is None:
        return
    ids.discard(position_id)
    if not ids:
        del index[key]  # no empty sets left behind by positions that closed


@dataclass
class Conflator:
    """Which clients' P&L to publish, and when (pure; times in monotonic seconds).

    A client moved by a tick is dirty; it is due once `window` seconds have passed since its
    last publication. When due, it is published only if its total moved by at least a paisa
    from the figure last published; otherwise it is dropped until the next tick moves it.

    The clients due are taken at most once per `window`, all together: each client's own
    window starts when it was last published, and fills publish at any moment, so without
    this the flushes drift apart until every client goes out on its own (1,000 holders made
    1,000 one-message produces a second, each waking every reader of the topic).
    """

    window: float
    _dirty: set[str] = field(default_factory=set)
    _sent_at: dict[str, float] = field(default_factory=dict)
    _sent_total: dict[str, Decimal] = field(default_factory=dict)
    _taken_at: float = float("-inf")
    """When due clients were last taken (the last flush)."""

    @property
    def dirty_count(self) -> int:
        return len(self._dirty)

    def touch(self, clients: Iterable[str]) -> None:
        self._dirty.update(clients)

    def drop(self, clients: Iterable[str]) -> None:
        """These clients are another replica's now: nothing owed, nothing remembered (if
        they come back, their first figure goes out whatever it is)."""
        for client in clients:
            self._dirty.discard(client)
            self._sent_at.pop(client, None)
            self._sent_total.pop(client, None)

    def seconds_until_due(self, now: float) -> float | None:
        """0 when some dirty client is due now, None when none is dirty."""
        if not self._dirty:
            return None
        earliest = min(self._sent_at.get(c, float("-inf")) for c in self._dirty) + self.window
        return max(0.0, earliest - now, self._taken_at + self.window - now)

    def take_due(self, now: float) -> list[str]:
        """The dirty clients due now (no longer dirty); the others stay dirty. None are due
        within a window of the last time some were taken."""
        if now < self._taken_at + self.window:
            return []
        due = [c for c in self._dirty if self._sent_at.get(c, float("-inf")) + self.window <= now]
        if due:
            self._taken_at = now
        self._dirty.difference_update(due)
        return sorted(due)

    def forget(self, clients: Iterable[str]) -> None:
        """Their last published figure is stale (a new day): the next one goes out even if
        the total did not move."""
        for client in clients:
            self._sent_total.pop(client, None)

    def changed(self, client_id: str, total: Decimal) -> bool:
        """True when `total` differs from the last published figure by a paisa or more."""
        last = self._sent_total.get(client_id)
        return last is None or abs(total - last) >= PAISA

    def taken(self, clients: Iterable[str]) -> None:
        """These clients' figures were just read to be published (a fill's): every tick so
        far is in them, so they are no longer dirty. A tick after this makes them dirty again,
        even while the publication is still on its way."""
        self._dirty.difference_update(clients)

    def sent(self, client_id: str, total: Decimal, now: float) -> None:
        """The client's P&L (read at `now`) went out: its window starts again. Dirt is left
        alone: a tick that came while it was on its way is still owed."""
        self._sent_at[client_id] = now
        self._sent_total[client_id] = total
