"""A row of the token master, as every part of market-data sees it (no I/O here)."""

from dataclasses import dataclass
from decimal import Decimal

from common.contracts.instruments import InstrumentDetails
from common.enums import Exchange

INDEX_TYPE = "INDEX"

# When a token number exists on several exchanges and the caller did not say which,
# results list the cash markets first: that is what a desk means by "2885".
EXCHANGE_ORDER: dict[Exchange, int] = {
    Exchange.NSE: 0,
    Exchange.BSE: 1,
    Exchange.NSEFO: 2,
    Exchange.BSEFO: 3,
    Exchange.NSECD: 4,
    Exchange.MCX: 5,
}


@dataclass(frozen=True, slots=True)
class InstrumentRecord:
    """One instrument. Prices in rupees; `lot_size` in shares; `token` is the scrip code."""

    exchange: Exchange
    token: int
    symbol: str
    name: str
    instrument_type: str
    lot_size: int
    tick_size: Decimal
    lower_circuit: Decimal | None = None
    upper_circuit: Decimal | None = None
    freeze_quantity: int | None = None
    """Shares: the exchange's quantity freeze for an F&O contract (None: none known)."""

    @property
    def key(self) -> tuple[Exchange, int]:
        return (self.exchange, self.token)

    @property
    def tradeable(self) -> bool:
        return self.instrument_type != INDEX_TYPE

    @property
    def exchange_rank(self) -> int:
        return EXCHANGE_ORDER.get(self.exchange, len(EXCHANGE_ORDER))

    def details(self) -> InstrumentDetails:
        """The row as the internal API answers it: its attributes by name (`tradeable` too)."""
        return InstrumentDetails.model_validate(self, from_attributes=True)
