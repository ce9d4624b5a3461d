"""The orders the tracker follows, in memory: by client, by broker order id and by tag.

Pure, no I/O. A broker order id names an order only within its client, exchange and
trading date (Motilal's ids restart every day), so every lookup by id is by `BrokerKey`; and
a row that carries a tag other than the order's is never taken for it.

It holds only what is open (PLACED, or UNKNOWN until found by tag), plus:
- the orders that ended recently, so a fill that comes after a cancel is still reported;
- stream frames about a broker order id nobody knows yet: at a fast broker the fills of an
  order arrive before the answer to its placement, and are replayed once the id is known.
Its size follows the open orders, never the clients or the day's history.
"""

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace
from datetime import date
from typing import NamedTuple

from motilal.feed.orders import StreamUpdate

from broker_adapter.execution.intents import Intent, IntentState

RECENTLY_ENDED = 20_000
"""Ended orders remembered for late fills (beyond it, a book read finds them in the log)."""
EARLY_FRAMES_PER_CLIENT = 200
"""Frames held per client for broker order ids not yet known (oldest dropped first)."""


class BrokerKey(NamedTuple):
    """What a broker order id means something within."""

    client_id: str
    exchange: str
    trading_date: date
    uid: str


def key_of(intent: Intent) -> BrokerKey | None:
    """The intent's broker identity, once it has a broker order id and its trading date."""
    if intent.broker_order_id is None or intent.trading_date is None:
        return None
    return BrokerKey(intent.client_id, intent.exchange, intent.trading_date, intent.broker_order_id)


@dataclass
class Followed:
    intent: Intent
    reported: set[str] = field(default_factory=set)
    """broker trade numbers already reported for this order"""


class OpenOrders:
    def __init__(self) -> None:
        self._open: dict[str, dict[str, Followed]] = {}  # client -> order id -> order
        self._by_uid: dict[BrokerKey, Followed] = {}
        self._ended: OrderedDict[BrokerKey, Followed] = OrderedDict()
        self._early: dict[str, deque[tuple[BrokerKey, StreamUpdate]]] = {}

    def track(self, intent: Intent, reported: Iterable[str] = ()) -> list[StreamUpdate]:
        """Follows the intent (or refreshes it); answers the frames held for its order id."""
        orders = self._open.setdefault(intent.client_id, {})
        followed = orders.get(intent.order_id)
        if followed is None:
            followed = orders[intent.order_id] = Followed(intent, set(reported))
        else:
            # the caller's copy may predate fills counted here since: keep the larger count
            filled = max(intent.filled_quantity, followed.intent.filled_quantity)
            followed.intent = replace(intent, filled_quantity=filled)
            followed.reported.update(reported)
        key = key_of(intent)
        if key is None or intent.state is not IntentState.PLACED:
            return []
        self._by_uid[key] = followed
        return self._take_early(key, intent.tag)

    def end(self, client_id: str, order_id: str) -> None:
        """The order ended: no longer open, still known by its broker id for late fills."""
        followed = self._open.get(client_id, {}).pop(order_id, None)
        if not self._open.get(client_id):
            self._open.pop(client_id, None)
        key = None if followed is None else key_of(followed.intent)
        if followed is None or key is None:
            return
        if self._by_uid.get(key) is followed:
            del self._by_uid[key]
        self._ended[key] = followed
        while len(self._ended) > RECENTLY_ENDED:
            self._ended.popitem(last=False)

    def remember_ended(self, followed: Followed) -> None:
        """An ended order read back from the log (a late fill found by a book read)."""
        key = key_of(followed.intent)
        if key is not None:
            self._ended[key] = followed

    def knows(self, intent: Intent) -> bool:
        """True when the intent's order is followed here, or ended here lately (a stored copy
        read before its end was written must not open it again)."""
        if self.find(intent.client_id, intent.order_id) is not None:
            return True
        key = key_of(intent)
        return key is not None and key in self._ended

    def find(self, client_id: str, order_id: str) -> Followed | None:
        return self._open.get(client_id, {}).get(order_id)

    def by_uid(self, key: BrokerKey, tag: str = "") -> tuple[Followed | None, bool]:
        """The order with this broker identity and whether it is still open.

        `tag` is the row's (Motilal pads it): a row tagged for another order is not this one.
        """
        followed, is_open = self._by_uid.get(key), True
        if followed is None:
            followed, is_open = self._ended.get(key), False
        if followed is None or not _same_tag(followed.intent, tag):
            return None, False
        return followed, is_open

    def of_earlier_days(self, client_id: str, today: date) -> list[Followed]:
        """Placed orders of a trading date before `today`: the broker dropped them with that
        day's books (DAY orders), and today's rows with their ids are other orders."""
        return [
            f
            for f in self.of(client_id)
            if f.intent.state is IntentState.PLACED
            and f.intent.trading_date is not None
            and f.intent.trading_date < today
        ]

    def unknown_with_tag(self, client_id: str, tag: str) -> Followed | None:
        """An order whose placement outcome is unknown and that carries this tag."""
        for followed in self._open.get(client_id, {}).values():
            if followed.intent.state is IntentState.UNKNOWN and followed.intent.tag == tag:
                return followed
        return None

    def of(self, client_id: str) -> list[Followed]:
        return list(self._open.get(client_id, {}).values())

    def clients(self) -> list[str]:
        return list(self._open)

    def hold_early(self, key: BrokerKey, update: StreamUpdate) -> None:
        held = self._early.setdefault(key.client_id, deque(maxlen=EARLY_FRAMES_PER_CLIENT))
        held.append((key, update))

    def _take_early(self, key: BrokerKey, tag: str) -> list[StreamUpdate]:
        held = self._early.get(key.client_id)
        if not held:
            return []
        mine = [u for k, u in held if k == key and _tag_matches(tag, u.tag)]
        if mine:
            rest = [(k, u) for k, u in held if not (k == key and _tag_matches(tag, u.tag))]
            if rest:
                self._early[key.client_id] = deque(rest, maxlen=EARLY_FRAMES_PER_CLIENT)
            else:
                del self._early[key.client_id]
        return mine


def _tag_matches(ours: str, theirs: str) -> bool:
    """Motilal echoes the tag padded (or blank when it drops it): only a different one counts."""
    theirs = theirs.strip()
    return not theirs or theirs == ours.strip()


def _same_tag(intent: Intent, tag: str) -> bool:
    return _tag_matches(intent.tag, tag)
