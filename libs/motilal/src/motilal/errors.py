"""Typed exceptions for Motilal's error codes, and the one rule that maps a code to a type.

Three outcomes are kept apart: the broker said no (BrokerRejected, LoginFailed), the session is
gone (SessionExpired), and we do not know (UnknownOutcome). An unknown outcome is never a
rejection: the order may exist, and only the order book can settle it.

Only documented, definitive refusals are rejections (reference A.11): MO1xxx (order input,
lot, tick, circuit, unknown token, order state such as MO1066/MO1067) and MO2xxx (headers,
IP; the gateway refused the call), plus margin and the market-order ban. MO8000 (technical
error), MO5000-MO5003 (connectivity) and any code the documentation does not list are not
answers about the order: on a write they are unknown outcomes, on a read or a login they
are transient and retried.
"""

import re
from enum import StrEnum

SESSION_CODES = frozenset({"MO8001", "MO8002", "MO8003", "MO2007"})
"""Invalid, expired or missing token; MO2007 is the Authorization header refused."""
# The SDK reports an expired token with this text (Motilal's spelling), sometimes without a code.
_SESSION_TEXT = re.compile(r"authori[sz]ation\s+is\s+inva(?:li|il)d\s+in\s+header", re.IGNORECASE)
TRANSIENT_CODES = frozenset({"MO8000", "MO5000", "MO5001", "MO5002", "MO5003"})
"""Technical error and connectivity: Motilal did not say what happened to the request."""
_DEFINITIVE_CODE = re.compile(r"^MO[12]\d{3}$")

# The reference documents no code for the 10 orders/second cap or for insufficient margin, so
# these two are the simulator's choice; the client also treats HTTP 429 as a rate limit.
RATE_LIMIT_CODE = "MO9001"
INSUFFICIENT_MARGIN_CODE = "MO9002"
MARKET_ORDER_CODE = "M01108"  # spelled with a zero, as Motilal returns it (reference A.6)
_DEFINITIVE_EXTRA = frozenset({INSUFFICIENT_MARGIN_CODE, MARKET_ORDER_CODE, "MOSL100"})


class Answer(StrEnum):
    """What a FAILURE answer means for the request that got it."""

    SESSION = "session"
    """The token is dead: log in again; the request was refused untouched."""
    RATE_LIMITED = "rate_limited"
    """Refused for rate, untouched."""
    REFUSED = "refused"
    """A documented, definitive no."""
    TRANSIENT = "transient"
    """Technical or connectivity trouble: the request may or may not have been acted on."""
    UNRECOGNIZED = "unrecognized"
    """A code the documentation does not list (or none): treated like TRANSIENT on writes."""


def classify(code: str, message: str = "") -> Answer:
    """The one rule: what Motilal's (errorcode, message) means."""
    code = code.strip().upper()
    if code in SESSION_CODES or _SESSION_TEXT.search(message or ""):
        return Answer.SESSION
    if code == RATE_LIMIT_CODE:
        return Answer.RATE_LIMITED
    if code in TRANSIENT_CODES:
        return Answer.TRANSIENT
    if _DEFINITIVE_CODE.match(code) or code in _DEFINITIVE_EXTRA:
        return Answer.REFUSED
    return Answer.UNRECOGNIZED


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
    """A write went out but no trustworthy answer came back (timeout, 5xx, 429, lost or
    unparseable response, MO8000, MO5000-MO5003, an undocumented code).

    The order may or may not exist: reconcile against the order book (search by tag).
    """

    def __init__(self, operation: str, cause: str, code: str = "") -> None:
        super().__init__(code, f"outcome of {operation} unknown: {cause}")
        self.operation = operation
        self.cause = cause


class BrokerUnavailable(MotilalError):
    """Motilal could not be reached, or a read kept failing; no write was sent."""

    def __init__(self, cause: str, code: str = "") -> None:
        super().__init__(code, f"Motilal unavailable: {cause}")


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


def error_for(code: str, message: str, *, operation: str = "", write: bool = False) -> MotilalError:
    """The exception for a FAILURE/ERROR envelope outside login.

    `write` is an order write (place, modify, cancel): there, anything but a definitive
    refusal is an unknown outcome. On a read, transient trouble is BrokerUnavailable
    (retried); an undocumented code is taken as the read's answer.
    """
    answer = classify(code, message)
    if answer is Answer.SESSION:
        return SessionExpired(code or "SESSION", message)
    if answer is Answer.RATE_LIMITED:
        return RateLimited(code, message)
    if answer is Answer.REFUSED:
        return BrokerRejected(code, message)
    if write:
        return UnknownOutcome(
            operation or "order write",
            message if code else f"FAILURE without a code: {message}",
            code,
        )
    if answer is Answer.TRANSIENT:
        return BrokerUnavailable(f"{operation or 'read'}: {message}", code)
    return BrokerRejected(code, message)


def login_error_for(code: str, message: str) -> MotilalError:
    """The exception for a refused login: transient trouble (MO8000, MO500x) is retried;
    everything else Motilal answered is a refusal a human must look at (retrying a wrong
    password can lock the account)."""
    if classify(code, message) is Answer.TRANSIENT:
        return BrokerUnavailable(f"login: {message}", code)
    return LoginFailed(code, message)
