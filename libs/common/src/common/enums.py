"""The platform's trading vocabulary, shared by every service and every topic."""

from enum import StrEnum


class Exchange(StrEnum):
    """Motilal exchange names, as sent in `exchange` on every order and quote call."""

    NSE = "NSE"
    BSE = "BSE"
    NSEFO = "NSEFO"
    NSECD = "NSECD"
    MCX = "MCX"
    BSEFO = "BSEFO"


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"

    @property
    def opposite(self) -> "Side":
        return Side.SELL if self is Side.BUY else Side.BUY


class ExecutionType(StrEnum):
    """What the operator asked for. EXIT takes side and quantity from the open position."""

    BUY = "BUY"
    SELL = "SELL"
    EXIT = "EXIT"


class OrderType(StrEnum):
    MARKET = "MARKET"
    LIMIT = "LIMIT"
    STOPLOSS = "STOPLOSS"
    STOPLOSS_MARKET = "STOPLOSS_MARKET"


class TradeType(StrEnum):
    """The platform's product names; the broker-adapter maps them to Motilal products."""

    INTRADAY = "INTRADAY"
    DELIVERY = "DELIVERY"
    MTF = "MTF"


class OrderStatus(StrEnum):
    """The order's life (DESIGN.md). The transition table, and which statuses are working,
    modifiable, cancelable or terminal, live in the order-router (`transitions.py`)."""

    PENDING = "PENDING"
    DENIED = "DENIED"
    SUBMITTED = "SUBMITTED"
    ACCEPTED = "ACCEPTED"
    REJECTED = "REJECTED"
    PARTIALLY_FILLED = "PARTIALLY_FILLED"
    FILLED = "FILLED"
    PENDING_MODIFY = "PENDING_MODIFY"
    PENDING_CANCEL = "PENDING_CANCEL"
    CANCELED = "CANCELED"
    EXPIRED = "EXPIRED"


class PositionStatus(StrEnum):
    """A position ("trade") is ACTIVE while it holds shares, CLOSED once flat."""

    ACTIVE = "ACTIVE"
    CLOSED = "CLOSED"


class SessionState(StrEnum):
    """A client's broker session. FAILED and OTP_REQUIRED need a human; LOGGING_IN and
    LOGGED_OUT pass by themselves (a login is on its way or will be tried)."""

    LOGGED_OUT = "LOGGED_OUT"
    LOGGING_IN = "LOGGING_IN"
    ACTIVE = "ACTIVE"
    FAILED = "FAILED"
    OTP_REQUIRED = "OTP_REQUIRED"
