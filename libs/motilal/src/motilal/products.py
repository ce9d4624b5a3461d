"""The platform's trade types as the Motilal products an order is sent with, per segment.

One home for the rule (the adapter places with it, the portfolio reconciles with it):
- cash (NSE, BSE): INTRADAY is VALUEPLUS, DELIVERY is DELIVERY, MTF is MTF;
- derivatives (NSEFO, BSEFO, NSECD, MCX...): every order is NORMAL, the product Motilal's
  reference and OpenAlgo's adapter send for F&O (reference B.3). INTRADAY and DELIVERY keep
  their own trade type on the platform, and both are compared against the broker's NORMAL
  position; MTF does not exist there.
"""

CASH_EXCHANGES = frozenset({"NSE", "BSE"})
_CASH = {"INTRADAY": "VALUEPLUS", "DELIVERY": "DELIVERY", "MTF": "MTF"}
DERIVATIVES_PRODUCT = "NORMAL"


class UnsupportedProduct(ValueError):
    """The trade type has no Motilal product on this exchange."""


def product_for(trade_type: str, exchange: str) -> str:
    """Motilal's `producttype` for the platform's `trade_type` on `exchange`."""
    trade_type, exchange = str(trade_type).upper(), str(exchange).upper()
    if trade_type not in _CASH:
        raise UnsupportedProduct(f"trade type {trade_type!r} has no Motilal product")
    if exchange in CASH_EXCHANGES:
        return _CASH[trade_type]
    if trade_type == "MTF":
        raise UnsupportedProduct(
            f"trade type MTF is not available on {exchange}: MTF is cash equity only"
        )
    return DERIVATIVES_PRODUCT
