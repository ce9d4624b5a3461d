"""Instrument references carried inside orders and commands."""

from pydantic import Field

from common.contracts.envelope import Contract, Money
from common.enums import Exchange

TOKEN_MAX = 2**31 - 1
"""Exchange tokens are stored as PostgreSQL integers everywhere: larger is never a token."""


class Instrument(Contract):
    """What the broker needs to know of a token to trade it.

    `lot_size` is in shares: orders are sent to Motilal in lots (`quantityinlot`).
    `tick_size` is in rupees: every price must be a multiple of it.
    `freeze_quantity` is in shares: the exchange's largest quantity in one F&O order (None:
    no limit known); a larger order is sent as slices of at most this many whole lots.
    """

    token: int = Field(
        gt=0, le=TOKEN_MAX, description="the exchange scrip code (Motilal `symboltoken`)"
    )
    exchange: Exchange
    symbol: str
    lot_size: int = Field(default=1, gt=0)
    tick_size: Money = Field(gt=0)
    freeze_quantity: int | None = Field(
        default=None, gt=0, description="shares; the exchange's quantity freeze (F&O only)"
    )


class InstrumentDetails(Instrument):
    """The token master's full row, as market-data's internal API returns it.

    `tradeable` is False for index rows (NIFTY, BANKNIFTY): they quote but cannot be ordered.
    Circuit limits are the day's price band in rupees, when the master knows them.
    """

    name: str
    instrument_type: str = Field(description="EQ, INDEX, FUTIDX, FUTSTK, OPTIDX, OPTSTK, ...")
    tradeable: bool
    lower_circuit: Money | None = None
    upper_circuit: Money | None = None

    def instrument(self) -> Instrument:
        """The part orders and commands carry: every field of Instrument, as these details
        have it."""
        return Instrument(**self.model_dump(include=set(Instrument.model_fields)))
