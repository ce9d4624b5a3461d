"""When INTRADAY positions are squared off (pure, no I/O).

Each exchange segment has a square-off time (IST; default 15:15 for NSE/BSE cash and F&O,
before the broker's own auto square-off and its charges); a client may have its own time,
which applies to every segment it trades. From that time on a trading date, the client's
INTRADAY positions on that segment are closed, its working INTRADAY orders canceled, and
new INTRADAY orders denied (`square_off_time`), until the next trading date.
"""

from collections.abc import Mapping
from dataclasses import dataclass, field
from datetime import datetime, time

from common.enums import Exchange
from common.trading_days import IST

DEFAULT_SQUARE_OFF: Mapping[Exchange, time] = {
    Exchange.NSE: time(15, 15),
    Exchange.BSE: time(15, 15),
    Exchange.NSEFO: time(15, 15),
    Exchange.BSEFO: time(15, 15),
    Exchange.NSECD: time(16, 45),
    Exchange.MCX: time(23, 0),
}
"""IST square-off times per segment, a little before each segment's close."""


def parse_times(spec: str) -> dict[Exchange, time]:
    """`NSE=15:10,MCX=23:15` over the defaults; raises ValueError naming the bad part."""
    times = dict(DEFAULT_SQUARE_OFF)
    for part in (p.strip() for p in spec.split(",")):
        if not part:
            continue
        name, sep, hhmm = part.partition("=")
        try:
            exchange = Exchange(name.strip().upper())
        except ValueError:
            raise ValueError(f"square-off time {part!r}: unknown exchange {name!r}") from None
        if not sep:
            raise ValueError(f"square-off time {part!r} must look like NSE=15:15")
        try:
            times[exchange] = time.fromisoformat(hhmm.strip())
        except ValueError:
            raise ValueError(f"square-off time {part!r}: {hhmm!r} is not HH:MM") from None
    return times


@dataclass(frozen=True)
class SquareOffTimes:
    per_exchange: Mapping[Exchange, time] = field(default_factory=lambda: DEFAULT_SQUARE_OFF)
    per_client: Mapping[str, time] = field(default_factory=dict)

    def time_for(self, client_id: str, exchange: Exchange) -> time | None:
        own = self.per_client.get(client_id)
        return own if own is not None else self.per_exchange.get(exchange)

    def due(self, client_id: str, exchange: Exchange, now: datetime) -> bool:
        """True from the square-off time of the client on `exchange` until IST midnight."""
        at = self.time_for(client_id, exchange)
        return at is not None and now.astimezone(IST).time() >= at

    def reason(self, client_id: str, exchange: Exchange) -> str:
        at = self.time_for(client_id, exchange)
        return (
            f"square-off time {at:%H:%M} IST has passed for client {client_id} on {exchange}: "
            "INTRADAY positions are closed and new INTRADAY orders are denied until tomorrow"
        )
