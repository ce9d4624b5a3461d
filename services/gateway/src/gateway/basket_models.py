"""HTTP bodies of POST /api/v1/orders/basket: several legs for a group or a client list."""

from typing import Self

from common.enums import ExecutionType
from pydantic import BaseModel, ConfigDict, Field, model_validator

from gateway.order_models import AllocationIn, OrderRef, _Terms, either

MAX_LEGS = 10


class BasketLegIn(_Terms):
    """One leg: a BUY or SELL on its own terms, with a quantity for every client (shares,
    whole lots) or, for a group, an allocation rule like execute-all's."""

    quantity: int | None = Field(default=None, ge=1, description="shares for every client")
    allocation: AllocationIn | None = Field(
        default=None, description="a group basket only: how members get this leg's quantity"
    )

    @model_validator(mode="after")
    def _sized(self) -> Self:
        if self.execution_type is ExecutionType.EXIT:
            raise ValueError("a basket leg is a BUY or a SELL; exit positions with EXIT orders")
        either(self.quantity, self.allocation, "give the leg either quantity or allocation")
        return self


class BasketIn(BaseModel):
    """A basket for a desk group or a list of clients: every client gets every leg it has a
    quantity for, sent in a margin-safe order (legs that reduce margin first)."""

    model_config = ConfigDict(
        extra="forbid",
        json_schema_extra={
            "example": {
                "group": "hni",
                "legs": [
                    {"token_id": 62160, "execution_type": "SELL", "order_type": "MARKET",
                     "trade_type": "INTRADAY", "quantity": 65},
                    {"token_id": 62161, "execution_type": "BUY", "order_type": "MARKET",
                     "trade_type": "INTRADAY", "quantity": 65},
                ],
            }
        },
    )  # fmt: skip

    group: str | None = Field(default=None, min_length=1, description="a desk group's name")
    client_ids: list[str] | None = Field(default=None, min_length=1, max_length=5000)
    legs: list[BasketLegIn] = Field(min_length=1, max_length=MAX_LEGS)
    stop_on_first_leg_rejection: bool = Field(
        default=True,
        description="hold each client's later legs until its first leg trades, and send "
        "none of them if it ends unfilled, e.g. rejected (false: every leg goes out at once)",
    )

    @model_validator(mode="after")
    def _one_way(self) -> Self:
        either(self.group, self.client_ids, "give either group or client_ids")
        return self


class BasketLegOut(BaseModel):
    leg: int = Field(description="the order legs go out in for every client, from 1")
    asked_as: int = Field(description="the leg's position in the request, from 1")
    token_id: int
    symbol: str
    side: ExecutionType
    orders: list[OrderRef]
    skipped: list[str] = Field(default_factory=list, description="clients given 0 in this leg")


class BasketAccepted(BaseModel):
    """The basket was validated whole and published; follow it at GET /batches/{batch_id}."""

    batch_id: str
    legs: list[BasketLegOut]
    stop_on_first_leg_rejection: bool
