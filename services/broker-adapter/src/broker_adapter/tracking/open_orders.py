"""The orders the tracker follows, in memory: by client, by broker order id and by tag.

Pure, no I/O. It holds only what is open (PLACED, or UNKNOWN until found by tag), plus:
- the orders that ended recently, so a fill that comes after a cancel is still reported;
- stream frames about a broker order id nobody knows yet: at a fast broker the fills of an
  order arrive before the answer to its placement, and are replayed once the id is known.
Its size follows the open orders, never the clients or the day's history.
"""

from collections import OrderedDict, deque
from collections.abc import Iterable
from dataclasses import dataclass, field, replace

from motilal.feed.orders import StreamUpdate

from broker_adapter.execution.intents import Intent, IntentState

RECENTLY_ENDED = 20_000
"""Ended orders remembered for late fills (beyond it, a book read finds them in the log)."""
EARLY_FRAMES_PER_CLIENT = 200
"""Frames held per client for broker order ids not yet known (oldest dropped first)."""


@dataclass
class Followed:
    intent: Intent
    reported: set[str] = field(default_factory=set)
    """broker trade numbers already reported for this order"""


class OpenOrders:
    def __init__(self) -> None:
        self._open: dict[str, dict[str, Followed]] = {}  # client -> order id -> order
        self._by_uid: dict[tuple[str, str], Followed] = {}
        self._ended: OrderedDict[tuple[str, str], Followed] = OrderedDict()
        self._early: dict[str, deque[tuple[str, StreamUpdate]]] = {}

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
        uid = intent.broker_order_id
        if uid is None or intent.state is not IntentState.PLACED:
            return []
        self._by_uid[(intent.client_id, uid)] = followed
        return self._take_early(intent.client_id, uid)

    def end(self, client_id: str, order_id: str) -> None:
        """The order ended: no longer open, still known by its broker id for late fills."""
        followed = self._open.get(client_id, {}).pop(order_id, None)
        if not self._open.get(client_id):
            self._open.pop(client_id, None)
        if followed is None or followed.intent.broker_order_id is None:
            return
        key = (client_id, followed.intent.broker_order_id)
        self._by_uid.pop(key, None)
        self._ended[key] = followed
        while len(self._ended) > RECENTLY_ENDED:
            self._ended.popitem(last=False)

    def remember_ended(self, followed: Followed) -> None:
        """An ended order read back from the log (a late fill found by a book read)."""
        intent = followed.intent
        if intent.broker_order_id is not None:
            self._ended[(intent.client_id, intent.broker_order_id)] = followed

    def find(self, client_id: str, order_id: str) -> Followed | None:
        return self._open.get(client_id, {}).get(order_id)

    def by_uid(self, client_id: str, uid: str) -> tuple[Followed | None, bool]:
        """The order with this broker id and whether it is still open."""
        followed = self._by_uid.get((client_id, uid))
        if followed is not None:
            return followed, True
        return self._ended.get((client_id, uid)), False

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

    def hold_early(self, client_id: str, uid: str, update: StreamUpdate) -> None:
        held = self._early.setdefault(client_id, deque(maxlen=EARLY_FRAMES_PER_CLIENT))
        held.append((uid, update))

    def _take_early(self, client_id: str, uid: str) -> list[StreamUpdate]:
        held = self._early.get(client_id)
        if not held:
            return []
        mine = [u for i, u in held if i == uid]
        if mine:
            rest = [(i, u) for i, u in held if i != uid]
            if rest:
                self._early[client_id] = deque(rest, maxlen=EARLY_FRAMES_PER_CLIENT)
            else:
                del self._early[client_id]
        return mine
