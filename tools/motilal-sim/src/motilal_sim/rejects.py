"""Error codes the simulator answers with, and the exception that carries one."""

from motilal.errors import INSUFFICIENT_MARGIN_CODE, MARKET_ORDER_CODE, RATE_LIMIT_CODE

__all__ = [
    "AFTER_PLACEMENT",
    "INSUFFICIENT_MARGIN_CODE",
    "MARKET_ORDER_CODE",
    "RATE_LIMIT_CODE",
    "Reject",
]

AFTER_PLACEMENT = frozenset({INSUFFICIENT_MARGIN_CODE, "MO1050", "MO1073", "MO1074"})
"""Margin, circuit and price (tick) checks: Motilal's RMS and the exchange make them after
the API took the order, so placement answers SUCCESS with the order id and the order is then
Rejected in the book with the reason in `error` (reference A.6/A.7: the status is not known
at placement). The market-order ban (M01108), trigger combinations (MO1075-MO1079) and
malformed requests are refused at placement."""


class Reject(Exception):
    """Motilal said no: `code` is its errorcode, `message` names the field and the reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.unique_order_id: str | None = None
        """Set when the order was created and Rejected, so it shows in the order book."""
