"""Typed, frozen results of Motilal calls, with units already converted."""

from motilal.models.market import IndexQuote, Quote, ScripRow
from motilal.models.orders import (
    ModifyRequest,
    Order,
    OrderRequest,
    OrderStatus,
    OrderType,
    PlaceResult,
    Side,
    Trade,
)
from motilal.models.portfolio import Holding, MarginRow, Margins, Position
from motilal.models.session import Profile, Session

__all__ = [
    "Holding",
    "IndexQuote",
    "MarginRow",
    "Margins",
    "ModifyRequest",
    "Order",
    "OrderRequest",
    "OrderStatus",
    "OrderType",
    "PlaceResult",
    "Position",
    "Profile",
    "Quote",
    "ScripRow",
    "Session",
    "Side",
    "Trade",
]
