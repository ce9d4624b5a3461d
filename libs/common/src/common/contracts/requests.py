"""`orders.requests.v1`: what operators asked for, published by the gateway.

The gateway mints every batch id and order id before publishing, so a redelivered
request names the same orders and the order-router can apply it idempotently.
"""

from datetime import date
from typing import Annotated, Literal

from pydantic import Field, model_validator

from common.contracts.envelope import Contract, Message, Money, OrderMessage
from common.contracts.instruments import TOKEN_MAX
from common.enums import Exchange, ExecutionType, OrderType, TradeType


class OrderTerms(Contract):
    """What every order of a request shares: the instrument and how to trade it."""

    token_id: int = Field(gt=0, le=TOKEN_MAX)
    exchange: Exchange | None = Field(
        default=None, description="needed only when the token number exists on two exchanges"
    )
    execution_type: ExecutionType
    order_type: OrderType
    trade_type: TradeType
    price: Money | None = Field(default=None, gt=0, description="rupees; LIMIT and STOPLOSS")
    trigger_price: Money | None = Field(
        default=None, gt=0, description="rupees; STOPLOSS and STOPLOSS_MARKET"
    )
    tag: str | None = Field(default=None, max_length=40, description="the operator's own label")
    amo: bool = Field(
        default=False,
        description="after-market order: outside market hours Motilal queues it for the open",
    )

    @model_validator(mode="after")
    def _prices_fit_order_type(self) -> "OrderTerms":
        needs_price = self.order_type in (OrderType.LIMIT, OrderType.STOPLOSS)
        needs_trigger = self.order_type in (OrderType.STOPLOSS, OrderType.STOPLOSS_MARKET)
        if needs_price and self.price is None:
            raise ValueError(f"price is required for a {self.order_type} order")
        if needs_trigger and self.trigger_price is None:
            raise ValueError(f"trigger_price is required for a {self.order_type} order")
        if not needs_trigger and self.trigger_price is not None:
            raise ValueError(f"trigger_price is not allowed on a {self.order_type} order")
        return self


class ClientOrder(Contract):
    """One client's share of a batch. `quantity` is in shares; None on EXIT (from position)."""

    order_id: str
    client_id: str
    quantity: int | None = Field(default=None, gt=0)
    trade_type: TradeType | None = Field(
        default=None,
        description="this order's own trade type, over the request's: an exit by token names "
        "each held position's, so a client holding two trade types gets one EXIT for each",
    )


class BatchRequested(Message):
    type: Literal["batch.requested"] = "batch.requested"
    batch_id: str
    terms: OrderTerms
    orders: tuple[ClientOrder, ...] = Field(min_length=1)


class OrderRequested(Message):
    type: Literal["order.requested"] = "order.requested"
    batch_id: str
    order: ClientOrder
    terms: OrderTerms


class ModifyRequested(OrderMessage):
    """Change a working order; fields left None keep their value."""

    type: Literal["order.modify_requested"] = "order.modify_requested"
    order_type: OrderType | None = None
    quantity: int | None = Field(default=None, gt=0)
    price: Money | None = Field(default=None, gt=0)
    trigger_price: Money | None = Field(default=None, gt=0)


class CancelRequested(OrderMessage):
    type: Literal["order.cancel_requested"] = "order.cancel_requested"


class ExitTradeRequested(Message):
    """Close one client's open position (a "trade") with an EXIT order."""

    type: Literal["trade.exit_requested"] = "trade.exit_requested"
    batch_id: str
    order_id: str
    client_id: str
    position_id: str
    token_id: int
    exchange: Exchange
    trade_type: TradeType


class ExitByTokenRequested(Message):
    """Close the open positions in one token for many clients, one EXIT order each."""

    type: Literal["trade.exit_by_token_requested"] = "trade.exit_by_token_requested"
    batch_id: str
    token_id: int
    exchange: Exchange
    trade_type: TradeType | None = Field(default=None, description="None: every trade type held")
    orders: tuple[ClientOrder, ...] = Field(min_length=1)


class KillSwitchRequested(Message):
    """Engage or release the kill switch for everyone (client_id None) or one client."""

    type: Literal["killswitch.requested"] = "killswitch.requested"
    client_id: str | None = None
    engaged: bool
    cancel_open_orders: bool = False
    reason: str = Field(min_length=1)


class FlattenRequested(Message):
    """Flatten clients automatically: an MTM limit was hit or the square-off time came.

    The order-router denies the clients' new orders (of `trade_type`, or all) for the rest
    of `trading_date` with `rule`, cancels their working orders of that kind, and closes each
    open position with an EXIT order published as an exit-by-token request (so the exits are
    followed like any order). `batch_id` is derived from the trigger, so a repeat is a no-op.
    """

    type: Literal["risk.flatten_requested"] = "risk.flatten_requested"
    batch_id: str
    rule: Literal["mtm_limit", "square_off_time"]
    scope: str = Field(description="a client id or group:<name>: what the limit was set on")
    client_ids: tuple[str, ...] = Field(min_length=1)
    trade_type: TradeType | None = Field(default=None, description="None: every trade type")
    exchanges: tuple[Exchange, ...] = Field(default=(), description="empty: every exchange")
    trading_date: date
    reason: str = Field(min_length=1)


class BasketLeg(Contract):
    """One leg of a basket: its terms and each client's order in it (a client given no
    quantity in this leg has no order here)."""

    terms: OrderTerms
    orders: tuple[ClientOrder, ...] = Field(min_length=1)


class BasketRequested(Message):
    """Several legs for many clients in one action. The legs are in the order they go out
    for each client (margin-reducing legs, such as a spread's hedge buy, first); with
    `stop_on_first_leg_rejection` a client's later legs wait for its first leg to trade and
    are not sent if it ends unfilled (rejected, canceled, expired, denied)."""

    type: Literal["basket.requested"] = "basket.requested"
    batch_id: str
    legs: tuple[BasketLeg, ...] = Field(min_length=1)
    stop_on_first_leg_rejection: bool = True


OrderRequest = Annotated[
    BatchRequested
    | BasketRequested
    | OrderRequested
    | ModifyRequested
    | CancelRequested
    | ExitTradeRequested
    | ExitByTokenRequested
    | KillSwitchRequested
    | FlattenRequested,
    Field(discriminator="type"),
]
