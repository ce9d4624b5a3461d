"""What one service answers another over internal HTTP, as typed views: the answering
service writes the view and the asking one parses the same model, so the two cannot
disagree on a field.

Internal HTTP answers, not Kafka contracts (those are common.contracts): a view allows
fields it does not name, so an answer the asker parses passes through whole (a sliced
order's `slices`, a basket's legs), and `as_json()` gives it back as it was written.
"""

from datetime import datetime
from decimal import Decimal
from typing import Annotated, Any

from pydantic import AliasChoices, AliasPath, BaseModel, ConfigDict, Field, PlainSerializer

from common.contracts.instruments import Instrument
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType


class View(BaseModel):
    model_config = ConfigDict(extra="allow", frozen=True)

    def as_json(self) -> dict[str, Any]:
        """The answer as its service wrote it (money as strings, times ISO 8601)."""
        return self.model_dump(mode="json", by_alias=True)


def _price_text(value: Decimal) -> str:
    # a whole amount without its paise ("26000", not "26000.00"), in plain notation:
    # Decimal's normalize() alone writes 26000.00 as "2.6E+4"
    return format(value.normalize() if value == value.to_integral() else value, "f")


Price = Annotated[Decimal, PlainSerializer(_price_text, return_type=str, when_used="json")]
"""Rupees, written as a string; a whole amount without its paise."""

Instant = Annotated[
    datetime, PlainSerializer(datetime.isoformat, return_type=str, when_used="json")
]
"""A time, written by `datetime.isoformat` (UTC as +00:00)."""


def _of_instrument(name: str, part: str) -> Any:
    """A field read by its name from an answer, or from the `part` of an order's instrument
    (the router builds the view from its order, `from_attributes`)."""
    return Field(validation_alias=AliasChoices(name, AliasPath("instrument", part)))


class OrderView(View):
    """One order as the order-router answers it (GET /internal/orders/{id}, and each row of
    GET /internal/orders), in the order of its fields on the wire."""

    order_id: str
    batch_id: str
    client_id: str
    token_id: int = _of_instrument("token_id", "token")
    exchange: Exchange = _of_instrument("exchange", "exchange")
    symbol: str = _of_instrument("symbol", "symbol")
    lot_size: int = _of_instrument("lot_size", "lot_size")
    tick_size: Decimal = _of_instrument("tick_size", "tick_size")
    execution_type: ExecutionType
    side: Side | None
    order_type: OrderType
    trade_type: TradeType
    quantity: int
    price: Price | None
    trigger_price: Price | None
    tag: str | None
    status: OrderStatus
    terminal: bool
    modifiable: bool
    """The router's transition table allows a modify now."""
    cancelable: bool
    """The router's transition table allows a cancel now."""
    rule: str | None
    reason: str | None
    risk_notes: list[str]
    filled_quantity: int
    average_price: Price | None
    broker_order_id: str | None
    sent_order_type: OrderType | None
    sent_price: Price | None
    protected: bool
    amo: bool
    parent_order_id: str | None
    slice_count: int
    leg: int | None
    waits_for: str | None
    actor: str
    created_at: Instant
    updated_at: Instant

    def instrument(self) -> Instrument:
        return Instrument(
            token=self.token_id,
            exchange=self.exchange,
            symbol=self.symbol,
            lot_size=self.lot_size,
            tick_size=self.tick_size,
        )
