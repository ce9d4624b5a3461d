"""The simulator's order and trade records, and their book rows in Motilal's field names."""

from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any

from motilal.units import format_time, scale

from motilal_sim.instruments import Instrument

PRECISION = 2
_TITLE = {"LIMIT": "Limit", "MARKET": "Market", "STOPLOSS": "Stoploss"}
_CODE = {"LIMIT": "L", "MARKET": "M", "STOPLOSS": "S"}
OPEN_STATUSES = frozenset({"Sent", "Confirm", "Partial"})


def padded_tag(tag: str) -> str:
    """The tag as Motilal echoes it: a fixed-width field, so " " when none was sent."""
    return tag.ljust(10) if tag else " "


@dataclass
class SimOrder:
    unique_order_id: str
    order_id: str
    client_code: str
    instrument: Instrument
    side: str
    order_type: str
    product: str
    duration: str
    price: Decimal
    trigger_price: Decimal
    quantity: int
    entry_time: datetime
    tag: str
    disclosed_quantity: int = 0
    status: str = "Sent"
    error: str = ""
    filled: int = 0
    filled_value: Decimal = Decimal(0)
    last_modified: datetime | None = None
    triggered: bool = False
    history: list[dict[str, Any]] = field(default_factory=list)

    @property
    def remaining(self) -> int:
        return self.quantity - self.filled if self.status in OPEN_STATUSES else 0

    @property
    def is_open(self) -> bool:
        return self.status in OPEN_STATUSES

    @property
    def average_price(self) -> Decimal:
        return (
            (self.filled_value / self.filled).quantize(Decimal("0.01"))
            if self.filled
            else Decimal(0)
        )

    def book_row(self) -> dict[str, Any]:
        inst = self.instrument
        entry = format_time(self.entry_time)
        return {
            "ordercategory": "NORMAL",
            "clientid": self.client_code,
            "exchange": inst.exchange,
            "symboltoken": inst.token,
            "symbol": inst.symbol if inst.is_derivative else f"{inst.symbol} EQ",
            "series": "" if inst.is_derivative else "EQ",
            "expirydate": "",
            "strikeprice": 0,
            "optiontype": "",
            "orderid": self.order_id,
            "orderinitiatorid": self.client_code,
            "uniqueorderid": self.unique_order_id,
            "ordertype": _TITLE.get(self.order_type, self.order_type.title()),
            "orderduration": self.duration,
            "producttype": self.product,
            "buyorsell": self.side,
            "error": self.error,
            "orderstatus": self.status,
            "totalqtyremaining": self.remaining,
            "orderqty": self.quantity,
            "qtytradedtoday": self.filled,
            "disclosedqty": self.disclosed_quantity,
            "totalqtytraded": self.filled,
            "lotsize": inst.lot_size,
            "price": float(self.price),
            "triggerprice": float(self.trigger_price),
            "averageprice": float(self.average_price),
            "entrydatetime": entry,
            # Never modified reads "0", as on the real API (and modify refuses "0": MO1089).
            "lastmodifiedtime": format_time(self.last_modified) if self.last_modified else "0",
            "goodtilldate": "",
            "recordinserttime": entry,
            "vendor": "",
            "algoid": "",
            "algocategory": "",
            "tag": padded_tag(self.tag),
            "participantcode": "",
        }

    def snapshot(self, book_row: dict[str, Any] | None = None) -> None:
        """Keeps a copy of the row for order detail, which lists every state the order had.

        `book_row` is the order's current `book_row()` when the caller already built it."""
        row = dict(book_row) if book_row is not None else self.book_row()
        row["booktype"] = row["ordertype"]
        row["ordertype"] = _CODE.get(self.order_type, "L")
        row.update({"stoploss": 0, "squareoff": 0, "trailingstoploss": 0})
        self.history.append(row)


@dataclass(frozen=True)
class SimTrade:
    trade_no: str
    order: SimOrder
    quantity: int
    price: Decimal
    time: datetime

    def row(self, *, scaled: bool = True) -> dict[str, Any]:
        """Book rows scale prices by 10**precision; the trade stream sends rupees."""
        inst, value = self.order.instrument, self.price * self.quantity
        return {
            "clientid": self.order.client_code,
            "exchange": inst.exchange,
            "symboltoken": inst.token,
            "producttype": self.order.product,
            "symbol": inst.symbol if inst.is_derivative else f"{inst.symbol} EQ",
            "instrumenttype": inst.instrument_type,
            "series": "" if inst.is_derivative else "EQ",
            "strikeprice": 0,
            "optiontype": "",
            "expirydate": "",
            "lotsize": inst.lot_size,
            "precision": PRECISION,
            "multiplier": 1,
            "tradeprice": scale(self.price, PRECISION) if scaled else float(self.price),
            "tradeqty": self.quantity,
            "tradevalue": scale(value, PRECISION) if scaled else float(value),
            "buyorsell": self.order.side,
            "orderid": self.order.order_id,
            "tradeno": self.trade_no,
            "tradetime": format_time(self.time),
            "uniqueorderid": self.order.unique_order_id,
            "tag": padded_tag(self.order.tag),
        }
