"""`marketdata.quotes.v1`: the latest quote per instrument. The v1 topic is keyed by token,
but token numbers repeat across exchanges, so a quote is named by (exchange, token) from
the message. Prices in rupees; currency segments keep 4 decimals."""

from typing import Annotated, Literal

from pydantic import Field

from common.contracts.envelope import Message, Money, UtcDateTime
from common.enums import Exchange


class Quote(Message):
    type: Literal["quote"] = "quote"
    token: int
    exchange: Exchange
    ltp: Money
    bid: Money | None = None
    ask: Money | None = None
    volume: int | None = Field(default=None, ge=0, description="shares traded today")
    open: Money | None = None
    high: Money | None = None
    low: Money | None = None
    close: Money | None = Field(default=None, description="previous day's close")
    quoted_at: UtcDateTime = Field(description="when the exchange printed it")


MarketDataEvent = Annotated[Quote, Field(discriminator="type")]
