"""HTTP bodies of the order API (field names as the original dashboard sent them)."""

from decimal import Decimal
from typing import Annotated, Literal, Self

from common.contracts.instruments import TOKEN_MAX
from common.enums import Exchange, ExecutionType, OrderType, TradeType
from pydantic import BaseModel, ConfigDict, Field, model_validator


class _Body(BaseModel):
    model_config = ConfigDict(extra="forbid")


def either(first: object, second: object, message: str) -> None:
    """A body that takes two ways to say one thing takes exactly one of them."""
    if (first is None) == (second is None):
        raise ValueError(message)


class _Terms(_Body):
    token_id: int = Field(
        gt=0, le=TOKEN_MAX, description="the exchange token (Motilal `symboltoken`)"
    )
    exchange: Exchange | None = Field(
        default=None, description="only needed when the token exists on two exchanges"
    )
    execution_type: ExecutionType = Field(
        description="BUY, SELL, or EXIT (closes the open position: side and size from it)"
    )
    order_type: OrderType
    trade_type: TradeType = Field(description="INTRADAY, DELIVERY or MTF")
    price: Decimal | None = Field(
        default=None, ge=0, description="rupees; required for LIMIT and STOPLOSS (0 = none)"
    )
    trigger_price: Decimal | None = Field(
        default=None, ge=0, description="rupees; required for STOPLOSS and STOPLOSS_MARKET"
    )
    tag: str | None = Field(default=None, max_length=40, description="your own label")
    amo: bool = Field(
        default=False,
        description="after-market order: outside market hours it is sent to Motilal as an "
        "AMO (queued for the next open) instead of being denied market_closed",
    )


class PlaceOrderIn(_Terms):
    """One order for one client."""

    client_id: str = Field(min_length=1)
    quantity: int | None = Field(
        default=None,
        ge=1,
        description="shares (a whole number of lots); on EXIT optional: caps the exit",
    )

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "client_id": "EMUM7551",
                "token_id": 2885,
                "execution_type": "BUY",
                "order_type": "LIMIT",
                "trade_type": "INTRADAY",
                "quantity": 10,
                "price": "1480.05",
            }
        },
    )


class ClientQuantity(_Body):
    client_id: str = Field(min_length=1)
    quantity: int | None = Field(
        default=None,
        ge=0,
        description="shares; 0 skips the client; on EXIT leave it out to close the whole position",
    )


class FixedIn(_Body):
    mode: Literal["fixed"]
    quantity: int = Field(ge=1, description="shares for every member (rounded down to lots)")


class MultiplierIn(_Body):
    mode: Literal["multiplier"]
    base_quantity: int = Field(ge=1, description="shares x each member's multiplier")


class CapitalIn(_Body):
    mode: Literal["capital"]
    percent: Decimal = Field(
        gt=0, le=100, description="share of each member's available margin, at the order's price"
    )


class ExplicitIn(_Body):
    mode: Literal["explicit"]
    client_orders: list[ClientQuantity] = Field(min_length=1, max_length=5000)


AllocationIn = Annotated[
    FixedIn | MultiplierIn | CapitalIn | ExplicitIn, Field(discriminator="mode")
]


class ExecuteAllIn(_Terms):
    """One order per client with a non-zero quantity, all on the same terms: either the
    clients' quantities (`client_orders`) or a desk group with an allocation rule."""

    client_orders: list[ClientQuantity] | None = Field(default=None, min_length=1, max_length=5000)
    group: str | None = Field(default=None, min_length=1, description="a desk group's name")
    allocation: AllocationIn | None = Field(
        default=None, description="how the group's members get their quantities"
    )
    preview_id: str | None = Field(
        default=None,
        description="from POST /orders/preview of this same body: place exactly what it "
        "showed, or 409 naming the account facts that changed since",
    )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        either(
            self.client_orders, self.group, "give either client_orders, or group with allocation"
        )
        if (self.group is None) != (self.allocation is None):
            raise ValueError("group and allocation go together")
        return self

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "examples": [
                {
                    "token_id": 2885,
                    "execution_type": "BUY",
                    "order_type": "MARKET",
                    "trade_type": "INTRADAY",
                    "client_orders": [
                        {"client_id": "EMUM7551", "quantity": 10},
                        {"client_id": "EMUM7552", "quantity": 0},
                    ],
                },
                {
                    "token_id": 62151,
                    "execution_type": "BUY",
                    "order_type": "MARKET",
                    "trade_type": "INTRADAY",
                    "group": "hni",
                    "allocation": {"mode": "multiplier", "base_quantity": 130},
                },
            ]
        },
    )


class ModifyIn(_Body):
    """New terms for a working order; fields left out keep their value."""

    order_type: OrderType | None = None
    quantity: int | None = Field(default=None, ge=1, description="the new total, in shares")
    price: Decimal | None = Field(default=None, gt=0)
    trigger_price: Decimal | None = Field(default=None, gt=0)


class KillSwitchIn(_Body):
    client_id: str | None = Field(default=None, description="null: the global kill switch")
    engaged: bool
    cancel_open_orders: bool = Field(
        default=False, description="also cancel every working order of the scope"
    )
    reason: str = Field(min_length=1, max_length=500)


class OrderRef(BaseModel):
    client_id: str
    order_id: str


class AllotmentOut(BaseModel):
    """One group member's resolved quantity (None: EXIT of the whole position)."""

    client_id: str
    quantity: int | None
    lots: int | None
    reason: str | None = Field(description="why skipped, or what cut the quantity")


class Accepted(BaseModel):
    """The request was validated and published; follow it with GET /batches/{batch_id}."""

    batch_id: str
    orders: list[OrderRef]
    skipped: list[str] = Field(default_factory=list, description="clients given quantity 0")
    allocation: list[AllotmentOut] | None = Field(
        default=None, description="a group order: every member's resolved quantity or skip"
    )
