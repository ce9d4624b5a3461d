"""Feed packets folded into whole quotes (no I/O).

The binary feed sends one token's state in pieces: 'A' (last trade, volume), 'B' (best bid
and ask), 'G' (day open/high/low, previous close), 'H' (an index value). The book keeps the
latest of each piece per token and answers with the whole quote after every piece, once a
last price is known (a bid without a trade price is not a quote anyone can value against).
"""

from dataclasses import dataclass, replace
from datetime import datetime
from decimal import Decimal

from common.contracts.quotes import Quote
from common.enums import Exchange
from motilal.feed import codec

QUOTE_ACTOR = "market-data"


@dataclass(frozen=True, slots=True)
class _State:
    exchange: Exchange
    token: int
    quoted_at: datetime
    ltp: Decimal | None = None
    volume: int | None = None
    bid: Decimal | None = None
    ask: Decimal | None = None
    open: Decimal | None = None
    high: Decimal | None = None
    low: Decimal | None = None
    close: Decimal | None = None


class QuoteBook:
    """The latest state of every quoted token. Folding a packet is cheap; the `Quote`
    message is built only when asked (once per flush), not for every packet."""

    def __init__(self) -> None:
        self._states: dict[tuple[Exchange, int], _State] = {}

    def fold(self, packet: codec.FeedPacket) -> tuple[Exchange, int] | None:
        """Fold `packet` in; the (exchange, token) whose quote it changed, or None."""
        try:
            exchange = Exchange(packet.exchange)
        except ValueError:
            return None  # an exchange the platform does not trade (NCDEX)
        key = (exchange, packet.token)
        state = self._states.get(key) or _State(exchange, packet.token, packet.time)
        updated = _fold(state, packet)
        if updated is None:
            return None
        self._states[key] = updated
        return key if updated.ltp is not None else None

    def put(self, quote: Quote) -> tuple[Exchange, int]:
        """Take a whole quote (a REST poll); feed packets fold on top of it later."""
        key = (quote.exchange, quote.token)
        self._states[key] = _State(
            exchange=quote.exchange,
            token=quote.token,
            quoted_at=quote.quoted_at,
            ltp=quote.ltp,
            volume=quote.volume,
            bid=quote.bid,
            ask=quote.ask,
            open=quote.open,
            high=quote.high,
            low=quote.low,
            close=quote.close,
        )
        return key

    def quote(self, key: tuple[Exchange, int]) -> Quote | None:
        state = self._states.get(key)
        return to_quote(state) if state is not None and state.ltp is not None else None

    def apply(self, packet: codec.FeedPacket) -> Quote | None:
        """The token's quote after this packet, or None if the packet changes no quote."""
        key = self.fold(packet)
        return None if key is None else self.quote(key)

    def forget(self, exchange: Exchange, token: int) -> None:
        self._states.pop((exchange, token), None)


def _fold(state: _State, packet: codec.FeedPacket) -> _State | None:
    at = max(state.quoted_at, packet.time)
    if isinstance(packet, codec.LtpTick):
        return replace(state, ltp=packet.ltp, volume=max(packet.volume, 0), quoted_at=at)
    if isinstance(packet, codec.DepthTick):
        if packet.level != 1:
            return None
        return replace(state, bid=_price(packet.bid), ask=_price(packet.ask), quoted_at=at)
    if isinstance(packet, codec.OhlcTick):
        return replace(
            state,
            open=_price(packet.open),
            high=_price(packet.high),
            low=_price(packet.low),
            close=_price(packet.prev_close),
            quoted_at=at,
        )
    if isinstance(packet, codec.IndexTick):
        return replace(state, ltp=packet.value, quoted_at=at)
    return None


def _price(value: Decimal) -> Decimal | None:
    # An empty side of the book comes as 0.
    return value if value > 0 else None


def to_quote(state: _State) -> Quote:
    assert state.ltp is not None
    return Quote(
        token=state.token,
        exchange=state.exchange,
        ltp=state.ltp,
        bid=state.bid,
        ask=state.ask,
        volume=state.volume,
        open=state.open,
        high=state.high,
        low=state.low,
        close=state.close,
        quoted_at=state.quoted_at,
        correlation_id=f"quote:{state.token}",
        actor=QUOTE_ACTOR,
    )
