"""Unit conversions at the edge: paisa, precision-scaled integers, lots, and Motilal's clock.

Inside the platform money is Decimal rupees, quantities are int shares, times are aware UTC.
"""

from datetime import UTC, datetime, timedelta, timezone
from decimal import Decimal, InvalidOperation

IST = timezone(timedelta(hours=5, minutes=30), "IST")
_TIME_FORMAT = "%d-%b-%Y %H:%M:%S"
_HUNDRED = Decimal(100)
# Live trade-book rows have come with precision missing or 0 (reference A.4); 2 is what it means.
DEFAULT_PRECISION = 2


class InvalidQuantity(ValueError):
    """A share quantity that is not a whole, positive number of lots."""


def decimal_of(value: object, field: str) -> Decimal:
    """A Decimal from a JSON number or string; names the field when it is not a number."""
    if value is None or value == "":
        return Decimal(0)
    try:
        # str() first: Decimal(float) would carry binary noise into money.
        return Decimal(str(value))
    except InvalidOperation as exc:
        raise ValueError(f"{field}: {value!r} is not a number") from exc


def paisa_to_rupees(value: object, field: str = "price") -> Decimal:
    return decimal_of(value, field) / _HUNDRED


def rupees_to_paisa(value: Decimal) -> int:
    return int((value * _HUNDRED).to_integral_value())


def descale(value: object, precision: object, field: str = "price") -> Decimal:
    """Trade-book prices are integers scaled by 10**precision (doc 18: 278400, 2 -> 2784.00)."""
    digits = int(decimal_of(precision, "precision")) or DEFAULT_PRECISION
    return decimal_of(value, field).scaleb(-digits)


def scale(value: Decimal, precision: int = DEFAULT_PRECISION) -> int:
    return int(value.scaleb(precision).to_integral_value())


def to_lots(shares: int, lot_size: int, symbol: str = "") -> int:
    """Shares to Motilal's `quantityinlot`; refuses anything that is not whole lots."""
    where = f" for {symbol}" if symbol else ""
    if lot_size <= 0:
        raise InvalidQuantity(f"lot size {lot_size} is not positive{where}")
    if shares <= 0:
        raise InvalidQuantity(f"quantity {shares} must be positive{where}")
    lots, rest = divmod(shares, lot_size)
    if rest:
        raise InvalidQuantity(f"quantity {shares} is not a multiple of lot size {lot_size}{where}")
    return lots


def parse_time(value: object) -> datetime | None:
    """Motilal's `dd-MMM-yyyy HH:mm:ss` (IST wall clock) as aware UTC; "0", blank or a time in
    another form is None (a row is not thrown away for an odd timestamp)."""
    text = str(value).strip() if value is not None else ""
    if not text or text == "0":
        return None
    try:
        return datetime.strptime(text, _TIME_FORMAT).replace(tzinfo=IST).astimezone(UTC)
    except ValueError:
        return None


def format_time(moment: datetime) -> str:
    """An aware time in the form Motilal reads (IST)."""
    if moment.tzinfo is None:
        raise ValueError("format_time needs a timezone-aware datetime")
    return moment.astimezone(IST).strftime(_TIME_FORMAT)
