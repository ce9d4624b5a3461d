"""The platform's trade types as Motilal products, per exchange segment.

INTRADAY is Motilal's VALUEPLUS on every segment; DELIVERY is DELIVERY on cash and the
carry-forward NORMAL on derivatives; MTF exists on cash only. Keeping INTRADAY and DELIVERY
apart on derivatives (VALUEPLUS vs NORMAL) lets the books be read back without guessing.
"""

from common.enums import Exchange, TradeType

CASH_SEGMENTS = frozenset({Exchange.NSE, Exchange.BSE})


class UnsupportedProduct(ValueError):
    """The trade type has no Motilal product on this exchange."""


def motilal_product(trade_type: TradeType, exchange: Exchange) -> str:
    """Motilal's `producttype` for `trade_type` on `exchange`."""
    cash = exchange in CASH_SEGMENTS
    if trade_type is TradeType.INTRADAY:
        return "VALUEPLUS"
    if trade_type is TradeType.DELIVERY:
        return "DELIVERY" if cash else "NORMAL"
    if trade_type is TradeType.MTF:
        if not cash:
            raise UnsupportedProduct(
                f"trade type MTF is not available on {exchange.value}: MTF is cash equity only"
            )
        return "MTF"
    raise UnsupportedProduct(f"trade type {trade_type!r} has no Motilal product")
