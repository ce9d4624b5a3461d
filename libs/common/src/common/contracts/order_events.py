"""`orders.events.v1`: what happened to each order, keyed by client_id.

Written by the order-router (submitted, denied) and the broker-adapter (everything the
broker said). Three outcomes stay apart: DENIED never left the platform, REJECTED is the
broker's refusal with its own code and text, and an unknown outcome produces no event at
all until the broker's books settle it.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field

from common.contracts.envelope import Money, OrderMessage, UtcDateTime
from common.contracts.instruments import Instrument
from common.enums import OrderType, Side, TradeType
from common.trading_days import trading_date


class OrderEvent(OrderMessage):
    """What happened to one order: the base of the events below."""


class OrderSubmitted(OrderEvent):
    """The order passed pre-trade risk and its command was sent to the adapter."""

    type: Literal["order.submitted"] = "order.submitted"
    batch_id: str
    instrument: Instrument
    side: Side
    order_type: OrderType
    trade_type: TradeType
    quantity: int = Field(gt=0)
    price: Money | None = None
    trigger_price: Money | None = None


class OrderDenied(OrderEvent):
    """Pre-trade risk said no; `rule` names the check, `reason` says why in words."""

    type: Literal["order.denied"] = "order.denied"
    batch_id: str
    rule: str
    reason: str


class OrderAccepted(OrderEvent):
    """The broker acknowledged the order. `protected` means MARKET was sent as a LIMIT."""

    type: Literal["order.accepted"] = "order.accepted"
    broker_order_id: str
    sent_order_type: OrderType
    sent_price: Money | None = None
    protected: bool = False


class OrderRejected(OrderEvent):
    """The broker refused the order, with its own error code and text."""

    type: Literal["order.rejected"] = "order.rejected"
    error_code: str
    reason: str


class Fill(OrderEvent):
    """One broker trade. Applied once per `trade_key`, whatever the redeliveries."""

    trade_no: str
    instrument: Instrument
    side: Side
    trade_type: TradeType
    quantity: int = Field(gt=0, description="shares in this trade")
    price: Money = Field(gt=0, description="rupees per share")
    filled_quantity: int = Field(gt=0, description="shares filled so far, this trade included")
    leaves_quantity: int = Field(ge=0, description="shares still working after this trade")
    traded_at: UtcDateTime

    @property
    def trade_key(self) -> tuple[str, str, date, str]:
        """(client, exchange, trading date, trade number): exchanges number trades afresh
        every session, so the trade number alone names another trade the next day."""
        exchange = self.instrument.exchange.value
        return (self.client_id, exchange, trading_date(self.traded_at), self.trade_no)


class OrderPartiallyFilled(Fill):
    type: Literal["order.partially_filled"] = "order.partially_filled"


class OrderFilled(Fill):
    type: Literal["order.filled"] = "order.filled"


class OrderCanceled(OrderEvent):
    type: Literal["order.canceled"] = "order.canceled"
    filled_quantity: int = Field(ge=0)
    reason: str = ""


class OrderModified(OrderEvent):
    type: Literal["order.modified"] = "order.modified"
    order_type: OrderType
    quantity: int = Field(gt=0)
    price: Money | None = None
    trigger_price: Money | None = None


class OrderChangeRejected(OrderEvent):
    """The broker refused a modify or cancel; the order keeps working as it was."""

    type: Literal["order.change_rejected"] = "order.change_rejected"
    change: Literal["modify", "cancel"]
    error_code: str
    reason: str


class OrderExpired(OrderEvent):
    type: Literal["order.expired"] = "order.expired"
    filled_quantity: int = Field(ge=0)


OrderLifecycleEvent = Annotated[
    OrderSubmitted
    | OrderDenied
    | OrderAccepted
    | OrderRejected
    | OrderPartiallyFilled
    | OrderFilled
    | OrderCanceled
    | OrderModified
    | OrderChangeRejected
    | OrderExpired,
    Field(discriminator="type"),
]
