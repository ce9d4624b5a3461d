"""Every Kafka topic of the platform in one place: name, key, partitions, message schema.

Names, keys and schemas are a public contract (other systems read these topics). A
breaking change to a schema gets a new topic version (`.v2`), never an edit in place.
"""

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from pydantic import TypeAdapter

from common.contracts.accounts import (
    BrokerPositionsEvent,
    ClientRegistryEvent,
    DealerUpserted,
    MarginEvent,
    SessionEvent,
    dealer_key,
)
from common.contracts.alerts import AlertEvent
from common.contracts.commands import BrokerCommand
from common.contracts.envelope import Message
from common.contracts.order_events import OrderLifecycleEvent
from common.contracts.order_updates import OrderUpdated
from common.contracts.portfolio import PortfolioUpdate
from common.contracts.quotes import MarketDataEvent
from common.contracts.requests import OrderRequest


def _request_key(message: Any) -> str:
    # A batch stays on one partition; a single-order action is keyed by its order.
    for name in ("batch_id", "order_id", "client_id"):
        value = getattr(message, name, None)
        if value:
            return str(value)
    return "global"


@dataclass(frozen=True)
class Topic:
    name: str
    key: Callable[[Any], str]
    key_doc: str
    partitions: int
    schema: Any
    description: str
    compacted: bool = False
    message_key_docs: dict[str, str] = field(default_factory=dict)
    """The key of a message type keyed otherwise than `key_doc` says (by its `type`)."""
    adapter: TypeAdapter[Any] = field(init=False, repr=False, compare=False)

    def __post_init__(self) -> None:
        object.__setattr__(self, "adapter", TypeAdapter(self.schema))

    def key_doc_of(self, message_type: str) -> str:
        """What a message of this type is keyed by, in words (the schema's x-key)."""
        return self.message_key_docs.get(message_type, self.key_doc)

    @property
    def dlq(self) -> str:
        """Where messages that could not be processed go, with the error in the headers."""
        return f"{self.name}.dlq"

    def parse(self, raw: bytes | str) -> Message:
        """Parse and validate one message; raises pydantic.ValidationError naming the field."""
        message: Message = self.adapter.validate_json(raw)
        return message

    def key_of(self, message: Message) -> bytes:
        return self.key(message).encode()


def _attr(name: str) -> Callable[[Any], str]:
    return lambda message: str(getattr(message, name))


ORDER_REQUESTS = Topic(
    "orders.requests.v1",
    _request_key,
    "batch_id, else order_id",
    4,
    OrderRequest,
    "What operators asked for: batches, single orders, modify/cancel, exits, kill switch.",
)
ORDER_COMMANDS = Topic(
    "orders.commands.v1",
    _attr("client_id"),
    "client_id",
    8,
    BrokerCommand,
    "One client's broker command (place, modify, cancel), from the order-router to the adapter.",
)
ORDER_EVENTS = Topic(
    "orders.events.v1",
    _attr("client_id"),
    "client_id",
    8,
    OrderLifecycleEvent,
    "What happened to each order: submitted, denied, accepted, rejected, fills, cancels.",
)
ORDER_UPDATES = Topic(
    "orders.updates.v1",
    _attr("client_id"),
    "client_id",
    8,
    OrderUpdated,
    "Each order's status after each event, as the order-router's transition table set it.",
)


QUOTES = Topic(
    "marketdata.quotes.v1",
    _attr("token"),
    "token",
    4,
    MarketDataEvent,
    "Quotes from Motilal's feed (rupees; 4 decimals for currency). Keyed by token (v1), but "
    "token numbers repeat across exchanges: name a quote by its exchange and token.",
)
PORTFOLIO_UPDATES = Topic(
    "portfolio.updates.v1",
    _attr("client_id"),
    "client_id",
    8,
    PortfolioUpdate,
    "Positions, P&L and margins as the portfolio computes them.",
)


def _registry_key(message: Any) -> str:
    # A dealer is not a client: its own key, so a dealer and a client id never collide.
    if isinstance(message, DealerUpserted):
        return dealer_key(message.dealer_id)
    return str(message.client_id)


CLIENTS = Topic(
    "accounts.clients.v1",
    _registry_key,
    "client_id",
    8,
    ClientRegistryEvent,
    "The client registry; credentials sealed to the broker-adapter. A dealer "
    "(dealer.upserted) is keyed dealer:<dealer_id>.",
    compacted=True,
    message_key_docs={"dealer.upserted": "client_id (dealer:<dealer_id> for a dealer)"},
)
SESSIONS = Topic(
    "accounts.sessions.v1",
    _attr("client_id"),
    "client_id",
    8,
    SessionEvent,
    "Each client's broker session state and last login error.",
    compacted=True,
)
MARGINS = Topic(
    "accounts.margins.v1",
    _attr("client_id"),
    "client_id",
    8,
    MarginEvent,
    "Margin report snapshots from the broker.",
    compacted=True,
)
BROKER_POSITIONS = Topic(
    "accounts.positions.v1",
    _attr("client_id"),
    "client_id",
    8,
    BrokerPositionsEvent,
    "The broker's own positions, for reconciliation.",
)
ALERTS = Topic(
    "alerts.v1",
    lambda message: str(getattr(message, "client_id", None) or message.scope),
    "client_id, else the scope (group:<name> or global)",
    4,
    AlertEvent,
    "What an operator must see: rejections, session failures, MTM limits, drift, kill switch.",
)

ALL_TOPICS: tuple[Topic, ...] = (
    ORDER_REQUESTS,
    ORDER_COMMANDS,
    ORDER_EVENTS,
    ORDER_UPDATES,
    QUOTES,
    PORTFOLIO_UPDATES,
    CLIENTS,
    SESSIONS,
    MARGINS,
    BROKER_POSITIONS,
    ALERTS,
)


def topic_named(name: str) -> Topic:
    for topic in ALL_TOPICS:
        if topic.name == name:
            return topic
    raise KeyError(f"no topic named {name!r}; known: {', '.join(t.name for t in ALL_TOPICS)}")
