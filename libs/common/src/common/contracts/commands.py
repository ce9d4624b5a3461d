"""`orders.commands.v1`: one client's broker command, from the order-router to the adapter.

Keyed by client_id, so one client's commands reach one adapter in the order they were made.
"""

from typing import Annotated, Literal

from pydantic import Field

from common.contracts.envelope import Money, OrderMessage
from common.contracts.instruments import Instrument
from common.enums import OrderType, Side, TradeType


class PlaceOrder(OrderMessage):
    """Place `quantity` shares. MARKET is turned into a protected LIMIT by the adapter."""

    type: Literal["command.place"] = "command.place"
    instrument: Instrument
    side: Side
    order_type: OrderType
    trade_type: TradeType
    quantity: int = Field(gt=0, description="shares; a whole number of lots")
    price: Money | None = None
    trigger_price: Money | None = None
    amo: bool = Field(default=False, description="sent as an after-market order (amoorder Y)")


class ModifyOrder(OrderMessage):
    type: Literal["command.modify"] = "command.modify"
    instrument: Instrument
    order_type: OrderType
    quantity: int = Field(gt=0, description="the new total quantity in shares")
    price: Money | None = None
    trigger_price: Money | None = None


class CancelOrder(OrderMessage):
    type: Literal["command.cancel"] = "command.cancel"


BrokerCommand = Annotated[PlaceOrder | ModifyOrder | CancelOrder, Field(discriminator="type")]
