"""The idempotency log's vocabulary: an order intent, its states and the allowed moves.

An intent is written BEFORE Motilal is called, keyed by the platform's order id and carrying
the tag derived from it. Its states:

- INTENT: recorded; the placement call may be in flight (or the process died during it).
- UNKNOWN: the call went out and no trustworthy answer came back (timeout, 5xx, 429, lost
  response). Never a rejection: only the broker's order book, searched by tag, settles it.
- PLACED: the broker order id is known; the tracker follows the order to its end.
- DONE: the order is terminal at the broker and its terminal event has been published.

No I/O here: the store persists intents, the executor and tracker drive the transitions.
"""

from dataclasses import dataclass
from datetime import date
from decimal import Decimal
from enum import StrEnum

from common.contracts.instruments import Instrument
from common.enums import OrderType, Side, TradeType

from broker_adapter.execution.protection import SentTerms


class IntentState(StrEnum):
    INTENT = "INTENT"
    UNKNOWN = "UNKNOWN"
    PLACED = "PLACED"
    DONE = "DONE"


TRANSITIONS: dict[IntentState, frozenset[IntentState]] = {
    IntentState.INTENT: frozenset({IntentState.UNKNOWN, IntentState.PLACED, IntentState.DONE}),
    # After reconciling: found by tag (PLACED/DONE) or absent, so placed again (INTENT).
    IntentState.UNKNOWN: frozenset({IntentState.INTENT, IntentState.PLACED, IntentState.DONE}),
    IntentState.PLACED: frozenset({IntentState.DONE}),
    IntentState.DONE: frozenset(),
}


class IllegalTransition(RuntimeError):
    pass


def check_transition(order_id: str, current: IntentState, new: IntentState) -> None:
    """Raises IllegalTransition unless `current` may move to `new` (staying put is allowed)."""
    if new is current or new in TRANSITIONS[current]:
        return
    raise IllegalTransition(f"order {order_id}: intent cannot move from {current} to {new}")


@dataclass(frozen=True)
class Intent:
    """One order as the adapter placed it (and what it needs to report its fills)."""

    order_id: str
    client_id: str
    tag: str
    state: IntentState
    instrument: Instrument
    side: Side
    trade_type: TradeType
    product: str
    order_type: OrderType
    quantity: int
    price: Decimal | None
    trigger_price: Decimal | None
    sent: SentTerms
    """what went to Motilal (a MARKET order as a protected LIMIT: protection.py)"""
    broker_order_id: str | None
    broker_status: str | None
    filled_quantity: int
    terminal_event: str | None
    correlation_id: str
    causation_id: str
    actor: str
    place_attempts: int
    trading_date: date | None = None
    """the session its broker order id was given in (ids restart every trading day)"""
    amo: bool = False
    """sent as an after-market order (amoorder Y): Motilal queues it for the next open"""

    @property
    def needs_reconcile(self) -> bool:
        """True when the broker may hold an order we have no id for."""
        return self.state in (IntentState.INTENT, IntentState.UNKNOWN) and (self.place_attempts > 0)

    @property
    def exchange(self) -> str:
        """The exchange segment (NSE, NSEFO...), the unit of Motilal's per-client rate limit."""
        return self.instrument.exchange.value

    @property
    def leaves_quantity(self) -> int:
        return max(self.quantity - self.filled_quantity, 0)
