"""Typed exceptions for Motilal's error codes, and the rule that maps a code to a type.

Three outcomes are kept apart: the broker said no (BrokerRejected, LoginFailed), the session is
gone (SessionExpired), and we do not know (UnknownOutcome). An unknown outcome is never a
rejection: the order may exist, and only the order book can settle it.
"""

from enum import StrEnum

SESSION_CODES = frozenset({"MO8001", "MO8002", "MO8003"})

# The reference documents no code for the 10 orders/second cap or for insufficient margin, so
# these two are the simulator's choice; the client also treats HTTP 429 as a rate limit.
RATE_LIMIT_CODE = "MO9001"
INSUFFICIENT_MARGIN_CODE = "MO9002"
MARKET_ORDER_CODE = "M01108"  # spelled with a zero, as Motilal returns it (reference A.6)


class LoginFailure(StrEnum):
    WRONG_PASSWORD = "wrong user id or password"  # noqa: S105 (a category, not a secret)
    WRONG_2FA = "wrong date of birth or PAN"
    TOTP = "invalid TOTP"
    OTP = "invalid or expired OTP"
    API_KEY = "API key invalid or not enabled"
    IP_NOT_WHITELISTED = "IP address not whitelisted"
    LOCKED = "account locked or login access denied"
    TOO_MANY_SESSIONS = "maximum active sessions exceeded"
    BAD_REQUEST = "request headers or body invalid"
    OTHER = "other"


_LOGIN_CATEGORIES: dict[str, LoginFailure] = {
    "MO1000": LoginFailure.WRONG_PASSWORD,
    "MO1001": LoginFailure.WRONG_PASSWORD,
    "MOSL100": LoginFailure.WRONG_PASSWORD,
    "MO1007": LoginFailure.WRONG_2FA,
    "MO1093": LoginFailure.TOTP,
    "MO1094": LoginFailure.TOTP,
    "MO1095": LoginFailure.OTP,
    "MO1096": LoginFailure.OTP,
    "MO1099": LoginFailure.OTP,
    "MO1004": LoginFailure.API_KEY,
    "MO1005": LoginFailure.API_KEY,
    "MO1006": LoginFailure.API_KEY,
    "MO2035": LoginFailure.IP_NOT_WHITELISTED,
    "MO1100": LoginFailure.LOCKED,
    "MO2000": LoginFailure.TOO_MANY_SESSIONS,
}


class MotilalError(Exception):
    """Any failure reported by, or while talking to, Motilal. `code` is Motilal's errorcode."""

    def __init__(self, code: str, message: str) -> None:
        super().__init__(f"{code}: {message}" if code else message)
        self.code = code
        self.message = message


class SessionExpired(MotilalError):
    """The auth token is invalid, expired or missing (MO8001/MO8002/MO8003): log in again."""


class RateLimited(MotilalError):
    """Motilal refused the call for exceeding a rate limit; nothing was done."""


class BrokerRejected(MotilalError):
    """Motilal answered and said no. `reason` is its text; the order, if created, is Rejected."""

    def __init__(self, code: str, reason: str, unique_order_id: str | None = None) -> None:
        super().__init__(code, reason)
        self.reason = reason
        self.unique_order_id = unique_order_id


class LoginFailed(MotilalError):
    """Login was refused; `category` says why in words an operator understands."""

    def __init__(self, code: str, reason: str) -> None:
        super().__init__(code, reason)
        self.reason = reason
        self.category = login_category(code)

    def __str__(self) -> str:
        return f"login failed ({self.category.value}): {self.code}: {self.reason}"


class UnknownOutcome(MotilalError):
    """A write went out but no trustworthy answer came back (timeout, 5xx, 429, lost response).

    The order may or may not exist: reconcile against the order book (search by tag).
    """

    def __init__(self, operation: str, cause: str) -> None:
        super().__init__("", f"outcome of {operation} unknown: {cause}")
        self.operation = operation
        self.cause = cause


class BrokerUnavailable(MotilalError):
    """Motilal could not be reached, or a read kept failing; no write was sent."""

    def __init__(self, cause: str) -> None:
        super().__init__("", f"Motilal unavailable: {cause}")


class ProtocolError(MotilalError):
    """A response did not have the documented shape."""

    def __init__(self, detail: str) -> None:
        super().__init__("", f"unexpected response from Motilal: {detail}")


def login_category(code: str) -> LoginFailure:
    if code in _LOGIN_CATEGORIES:
        return _LOGIN_CATEGORIES[code]
    if code.startswith("MO20"):
        return LoginFailure.BAD_REQUEST
    return LoginFailure.OTHER


def error_for(code: str, message: str) -> MotilalError:
    """The exception for a FAILURE/ERROR envelope outside login."""
    if code in SESSION_CODES:
        return SessionExpired(code, message)
    if code == RATE_LIMIT_CODE:
        return RateLimited(code, message)
    return BrokerRejected(code, message)
