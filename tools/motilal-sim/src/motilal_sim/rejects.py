"""Error codes the simulator answers with, and the exception that carries one."""

from motilal.errors import INSUFFICIENT_MARGIN_CODE, MARKET_ORDER_CODE, RATE_LIMIT_CODE

__all__ = ["INSUFFICIENT_MARGIN_CODE", "MARKET_ORDER_CODE", "RATE_LIMIT_CODE", "Reject"]


class Reject(Exception):
    """Motilal said no: `code` is its errorcode, `message` names the field and the reason."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}")
        self.code = code
        self.message = message
        self.unique_order_id: str | None = None
        """Set when the order was created and Rejected, so it shows in the order book."""
