"""Orders and trades: requests in platform units (shares, rupees), rows parsed from the books."""

from datetime import datetime
from decimal import Decimal
from enum import StrEnum
from typing import Any, TypeGuard

from pydantic import Field, field_validator

from motilal.models.base import Frozen
from motilal.tags import is_valid_tag
from motilal.units import decimal_of, descale, parse_time, to_lots


class Side(StrEnum):
    BUY = "BUY"
    SELL = "SELL"


class OrderType(StrEnum):
    LIMIT = "LIMIT"
    MARKET = "MARKET"
    STOPLOSS = "STOPLOSS"
    """A stop-loss limit; SL-M is STOPLOSS with price 0."""


class OrderStatus(StrEnum):
    UNKNOWN = "Unknown"
    SENT = "Sent"
    CONFIRM = "Confirm"
    PARTIAL = "Partial"
    TRADED = "Traded"
    CANCEL = "Cancel"
    REJECTED = "Rejected"
    ERROR = "Error"

    @classmethod
    def parse(cls, value: str) -> "OrderStatus":
        # REST sends title case, the stream may send upper case.
        for status in cls:
            if status.value.lower() == value.strip().lower():
                return status
        return cls.UNKNOWN

    @property
    def is_open(self) -> bool:
        return self in (OrderStatus.SENT, OrderStatus.CONFIRM, OrderStatus.PARTIAL)

    @property
    def is_terminal(self) -> bool:
        return self in (
            OrderStatus.TRADED,
            OrderStatus.CANCEL,
            OrderStatus.REJECTED,
            OrderStatus.ERROR,
        )


class OrderTerms(Frozen):
    """The terms a place and a modify both send: `quantity` is shares (sent as lots of
    `lot_size`; `symbol` names the contract in the error when it is not a whole number of
    lots), prices are rupees (0: none)."""

    order_type: OrderType
    quantity: int = Field(gt=0)
    price: Decimal = Decimal(0)
    trigger_price: Decimal = Decimal(0)
    lot_size: int = 1
    symbol: str = ""
    duration: str = "DAY"
    disclosed_quantity: int = 0

    def quantity_in_lots(self) -> int:
        """The quantity as Motilal takes it (InvalidQuantity if not a whole number of lots)."""
        return to_lots(self.quantity, self.lot_size, self.symbol)


class OrderRequest(OrderTerms):
    """A new order in platform units."""

    exchange: str
    token: int
    side: Side
    product: str
    amo: bool = False
    tag: str = ""

    @field_validator("tag")
    @classmethod
    def _tag_ok(cls, tag: str) -> str:
        if tag and not is_valid_tag(tag):
            raise ValueError(f"tag {tag!r} must be at most 10 letters or digits")
        return tag


class ModifyRequest(OrderTerms):
    """New terms for an open order; `quantity` is the new total in shares."""

    unique_order_id: str


class PlaceResult(Frozen):
    unique_order_id: str
    message: str


def _int(row: dict[str, Any], key: str) -> int:
    return int(decimal_of(row.get(key), key))


class _BookRow(Frozen):
    """What an order-book row and a trade-book row both say of their order, read alike."""

    unique_order_id: str
    order_id: str
    client_code: str
    exchange: str
    token: int
    symbol: str
    side: Side
    product: str
    lot_size: int
    tag: str
    """Trimmed: Motilal pads an empty tag to " " and may pad short ones."""


def _book_row(row: dict[str, Any]) -> dict[str, Any]:
    return {
        "unique_order_id": str(row.get("uniqueorderid", "")),
        "order_id": str(row.get("orderid", "")),
        "client_code": str(row.get("clientid", "")),
        "exchange": str(row.get("exchange", "")),
        "token": _int(row, "symboltoken"),
        "symbol": str(row.get("symbol", "")),
        "side": Side(str(row.get("buyorsell", "")).upper()),
        "product": str(row.get("producttype", "")).upper(),
        "lot_size": _int(row, "lotsize") or 1,
        "tag": str(row.get("tag") or "").strip(),
    }


class Order(_BookRow):
    """One order-book (or order-detail) row. Quantities are shares, prices rupees."""

    order_type: str
    duration: str
    status: OrderStatus
    error: str
    quantity: int
    traded_quantity: int
    remaining_quantity: int
    price: Decimal
    trigger_price: Decimal
    average_price: Decimal
    entry_time: datetime | None
    last_modified_time: datetime | None
    last_modified_raw: str
    """Exactly as Motilal sent it: modify must echo it back ("0" when never modified)."""
    record_insert_raw: str = ""
    entry_time_raw: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Order":
        return cls(
            **_book_row(row),
            order_type=str(row.get("ordertype", "")).upper(),
            duration=str(row.get("orderduration", "")).upper(),
            status=OrderStatus.parse(str(row.get("orderstatus", ""))),
            error=str(row.get("error") or ""),
            quantity=_int(row, "orderqty"),
            traded_quantity=_int(row, "qtytradedtoday"),
            remaining_quantity=_int(row, "totalqtyremaining"),
            price=decimal_of(row.get("price"), "price"),
            trigger_price=decimal_of(row.get("triggerprice"), "triggerprice"),
            # The scale of averageprice is unclear in the docs (reference F); taken as rupees.
            average_price=decimal_of(row.get("averageprice"), "averageprice"),
            entry_time=parse_time(row.get("entrydatetime")),
            last_modified_time=parse_time(row.get("lastmodifiedtime")),
            last_modified_raw=_stamp(row.get("lastmodifiedtime")) or "0",
            record_insert_raw=_stamp(row.get("recordinserttime")),
            entry_time_raw=_stamp(row.get("entrydatetime")),
        )

    @classmethod
    def from_detail_row(cls, row: dict[str, Any]) -> "Order":
        """An order-detail row: there `ordertype` is a code ("L") and the readable type is
        `booktype` (reference A.7)."""
        return cls.from_row({**row, "ordertype": row.get("booktype", row.get("ordertype"))})

    @property
    def modify_stamp(self) -> str | None:
        """What modify sends as lastmodifiedtime. "0" (never modified) is refused (MO1089),
        so the insert time, then the entry time stand in (as OpenAlgo does); None when the
        row has none of them (the caller reads the order detail)."""
        for stamp in (self.last_modified_raw, self.record_insert_raw, self.entry_time_raw):
            if stamp and stamp != "0":
                return stamp
        return None


def usable_stamp(stamp: str | None) -> TypeGuard[str]:
    """A lastmodifiedtime modify may send: not blank and not Motilal's "0"."""
    return stamp is not None and stamp.strip() not in ("", "0")


def _stamp(value: object) -> str:
    """A timestamp field as sent, trimmed; "" when absent."""
    return str(value).strip() if value is not None else ""


class Trade(_BookRow):
    """One fill. REST trade prices arrive scaled by `precision`; here they are rupees."""

    trade_no: str
    quantity: int
    price: Decimal
    value: Decimal
    time: datetime | None

    @classmethod
    def from_row(cls, row: dict[str, Any], *, scaled: bool = True) -> "Trade":
        precision = row.get("precision")
        if scaled:
            price = descale(row.get("tradeprice"), precision, "tradeprice")
            value = descale(row.get("tradevalue"), precision, "tradevalue")
        else:  # the trade stream and webhook already send rupees
            price = decimal_of(row.get("tradeprice"), "tradeprice")
            value = decimal_of(row.get("tradevalue"), "tradevalue")
        return cls(
            **_book_row(row),
            trade_no=str(row.get("tradeno", "")),
            quantity=_int(row, "tradeqty"),
            price=price,
            value=value,
            time=parse_time(row.get("tradetime")),
        )
