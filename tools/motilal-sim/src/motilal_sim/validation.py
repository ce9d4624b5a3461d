"""Order checks, in the two layers Motilal has.

`parse_place` is the API gateway: a malformed request is refused outright (no order exists).
`check_terms` is the RMS/exchange layer: the order exists and is Rejected with the reason.
"""

from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from motilal.tags import is_valid_tag

from motilal_sim.instruments import Instrument
from motilal_sim.market import Quote
from motilal_sim.rejects import MARKET_ORDER_CODE, Reject

EXCHANGES = frozenset({"NSE", "BSE", "NSEFO", "NSECD", "MCX", "BSEFO"})
ORDER_TYPES = frozenset({"LIMIT", "MARKET", "STOPLOSS"})
DURATIONS = frozenset({"DAY", "GTC", "GTD", "IOC"})
PRODUCTS = frozenset({"NORMAL", "DELIVERY", "SELLFROMDP", "VALUEPLUS", "BTST", "MTF"})
CASH_ONLY_PRODUCTS = frozenset({"DELIVERY", "SELLFROMDP", "BTST", "MTF"})


@dataclass(frozen=True)
class Terms:
    instrument: Instrument
    side: str
    order_type: str
    product: str
    duration: str
    price: Decimal
    trigger_price: Decimal
    quantity: int
    disclosed_quantity: int
    tag: str


def _decimal(body: dict[str, Any], key: str) -> Decimal:
    value = body.get(key, 0)
    try:
        number = Decimal(str(value if value not in (None, "") else 0))
    except InvalidOperation:
        raise Reject("MO1050", f"{key}: {value!r} is not a number") from None
    if number < 0:
        raise Reject("MO1050", f"{key}: {value} must not be negative")
    return number


def lots_of(body: dict[str, Any], key: str, inst: Instrument) -> int:
    value = body.get(key)
    try:
        lots = Decimal(str(value))
    except InvalidOperation:
        raise Reject("MO1055", f"{key}: {value!r} is not a number of lots") from None
    if lots <= 0:
        raise Reject("MO1055", f"{key}: {value} must be at least 1 lot")
    if lots != lots.to_integral_value():
        raise Reject(
            "MO1059", f"{key}: {value} is not a whole number of lots (lot size {inst.lot_size})"
        )
    return int(lots) * inst.lot_size


def _choice(body: dict[str, Any], key: str, allowed: frozenset[str], code: str) -> str:
    value = str(body.get(key, "")).strip().upper()
    if value not in allowed:
        raise Reject(code, f"{key}: {body.get(key)!r} is not one of {sorted(allowed)}")
    return value


def parse_place(body: dict[str, Any], instruments: dict[tuple[str, int], Instrument]) -> Terms:
    exchange = _choice(body, "exchange", EXCHANGES, "MO1051")
    side = _choice(body, "buyorsell", frozenset({"BUY", "SELL"}), "MO1052")
    order_type = _choice(body, "ordertype", ORDER_TYPES, "MO1053")
    duration = _choice(body, "orderduration", DURATIONS, "MO1054")
    product = _choice(body, "producttype", PRODUCTS, "MO1057")
    try:
        token = int(body.get("symboltoken"))  # type: ignore[arg-type]
    except (TypeError, ValueError):
        raise Reject(
            "MO1058", f"symboltoken: {body.get('symboltoken')!r} is not a scrip code"
        ) from None
    inst = instruments.get((exchange, token))
    if inst is None:
        raise Reject("MO1058", f"symboltoken: {token} is not a known {exchange} scrip code")
    if not inst.tradeable:
        raise Reject(
            "MO1058", f"symboltoken: {token} ({inst.symbol}) is an index and cannot be traded"
        )
    if inst.is_derivative and product in CASH_ONLY_PRODUCTS:
        raise Reject("MO1084", f"producttype {product} is not allowed on {exchange}")
    tag = str(body.get("tag") or "")
    if len(tag) > 10:
        raise Reject("MO1080", f"tag: {tag!r} is longer than 10 characters")
    if tag and not is_valid_tag(tag):
        raise Reject("MO1081", f"tag: {tag!r} may contain only letters and digits")
    if str(body.get("amoorder", "N")).upper() not in ("Y", "N"):
        raise Reject("MO1050", f"amoorder: {body.get('amoorder')!r} must be Y or N")
    return Terms(
        instrument=inst,
        side=side,
        order_type=order_type,
        product=product,
        duration=duration,
        price=_decimal(body, "price"),
        trigger_price=_decimal(body, "triggerprice"),
        quantity=lots_of(body, "quantityinlot", inst),
        disclosed_quantity=int(_decimal(body, "disclosedquantity")),
        tag=tag,
    )


def _check_price(inst: Instrument, field: str, price: Decimal) -> None:
    if not inst.on_tick(price):
        raise Reject(
            "MO1050",
            f"{field} {price} is not a multiple of tick size {inst.tick_size} for {inst.symbol}",
        )
    if inst.lower_circuit is not None and price < inst.lower_circuit:
        raise Reject(
            "MO1073",
            f"{field} {price} is below the lower circuit {inst.lower_circuit} for {inst.symbol}",
        )
    if inst.upper_circuit is not None and price > inst.upper_circuit:
        raise Reject(
            "MO1074",
            f"{field} {price} is above the upper circuit {inst.upper_circuit} for {inst.symbol}",
        )


def check_freeze(inst: Instrument, quantity: int) -> None:
    """The exchange's quantity freeze: a larger F&O order is rejected (shared by place and
    modify); brokers' order books show it as an RMS rejection after the order was taken."""
    if inst.freeze_quantity is not None and quantity > inst.freeze_quantity:
        raise Reject(
            "MO1050",
            f"quantityinlot: {quantity // inst.lot_size} lots ({quantity} shares) is above the "
            f"quantity freeze {inst.freeze_quantity} of {inst.symbol}",
        )


def check_terms(
    inst: Instrument, side: str, order_type: str, price: Decimal, trigger: Decimal, quote: Quote
) -> None:
    """Exchange-side checks of price terms (shared by place and modify)."""
    if order_type == "MARKET":
        raise Reject(
            MARKET_ORDER_CODE,
            "Cannot place Market orders for Algo Orders: market orders are not accepted through "
            "the API since 1 April 2026; send a LIMIT order",
        )
    if order_type == "LIMIT" and price == 0:
        raise Reject("MO1050", "price: a LIMIT order needs a price above 0")
    if price:
        _check_price(inst, "price", price)
    if order_type != "STOPLOSS":
        return
    if trigger == 0:
        raise Reject("MO1075", "triggerprice: a STOPLOSS order needs a trigger price")
    _check_price(inst, "triggerprice", trigger)
    if side == "BUY":
        if price and trigger > price:
            raise Reject(
                "MO1076", f"triggerprice {trigger} must not exceed price {price} for a buy"
            )
        if trigger <= quote.ltp:
            raise Reject(
                "MO1078", f"triggerprice {trigger} must be above LTP {quote.ltp} for a buy"
            )
    else:
        if price and trigger < price:
            raise Reject(
                "MO1077", f"triggerprice {trigger} must not be below price {price} for a sell"
            )
        if trigger >= quote.ltp:
            raise Reject(
                "MO1079", f"triggerprice {trigger} must be below LTP {quote.ltp} for a sell"
            )
