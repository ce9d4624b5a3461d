"""The platform's trade types as Motilal products, per exchange segment.

The rule lives in `motilal.products` (the portfolio reconciles with the same one): INTRADAY
is VALUEPLUS on cash, DELIVERY is DELIVERY on cash, MTF is cash only, and every derivatives
order is sent as NORMAL (what Motilal accepts for F&O); the intent keeps the platform's own
trade type, so fills and positions are still INTRADAY or DELIVERY here.
"""

from common.enums import Exchange, TradeType
from motilal.products import UnsupportedProduct, product_for

__all__ = ["UnsupportedProduct", "motilal_product"]


def motilal_product(trade_type: TradeType, exchange: Exchange) -> str:
    """Motilal's `producttype` for `trade_type` on `exchange`."""
    return product_for(trade_type.value, exchange.value)
