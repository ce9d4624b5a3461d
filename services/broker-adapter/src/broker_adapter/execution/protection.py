"""MARKET orders as protected LIMIT orders (Motilal refuses API MARKET orders since 1 April 2026).

A MARKET buy is sent as a LIMIT at LTP plus the protection, a sell at LTP minus it; a
STOPLOSS_MARKET becomes a STOPLOSS whose limit is the trigger plus/minus the protection.
The price is rounded to the tick AWAY from the reference price (up for a buy, down for a
sell), so the order stays at least as marketable as the protection asked for, and it is
never rounded back onto the wrong side of the reference.

Pure functions: no I/O. The LTP is looked up by the caller (see `ltp.py`).
"""

from dataclasses import dataclass
from decimal import ROUND_CEILING, ROUND_FLOOR, Decimal

from common.enums import OrderType, Side


class NoReferencePrice(ValueError):
    """A MARKET order cannot be protected without a last traded price."""


@dataclass(frozen=True)
class SentTerms:
    """What actually goes to Motilal: its order type, limit and trigger (rupees)."""

    order_type: OrderType
    price: Decimal
    trigger_price: Decimal
    protected: bool


def round_to_tick(price: Decimal, tick: Decimal, *, up: bool) -> Decimal:
    """`price` on a multiple of `tick`, rounded up or down; never below one tick."""
    if tick <= 0:
        raise ValueError(f"tick size {tick} must be positive")
    steps = (price / tick).to_integral_value(rounding=ROUND_CEILING if up else ROUND_FLOOR)
    return max(steps * tick, tick).quantize(tick)


def protected_price(reference: Decimal, side: Side, tick: Decimal, percent: Decimal) -> Decimal:
    """`reference` moved by `percent` % against the order's favour, rounded to the tick."""
    if percent < 0:
        raise ValueError(f"protection {percent}% must not be negative")
    factor = percent / Decimal(100)
    if side is Side.BUY:
        return round_to_tick(reference * (1 + factor), tick, up=True)
    return round_to_tick(reference * (1 - factor), tick, up=False)


def terms_to_send(
    order_type: OrderType,
    side: Side,
    tick: Decimal,
    *,
    price: Decimal | None,
    trigger_price: Decimal | None,
    ltp: Decimal | None,
    percent: Decimal,
) -> SentTerms:
    """The order Motilal will accept for what the platform asked."""
    zero = Decimal(0)
    if order_type is OrderType.LIMIT:
        return SentTerms(OrderType.LIMIT, price or zero, zero, protected=False)
    if order_type is OrderType.STOPLOSS:
        return SentTerms(OrderType.STOPLOSS, price or zero, trigger_price or zero, protected=False)
    if order_type is OrderType.MARKET:
        if ltp is None or ltp <= 0:
            raise NoReferencePrice("no last traded price to protect the MARKET order with")
        limit = protected_price(ltp, side, tick, percent)
        return SentTerms(OrderType.LIMIT, limit, zero, protected=True)
    if order_type is OrderType.STOPLOSS_MARKET:
        if trigger_price is None or trigger_price <= 0:
            raise NoReferencePrice("a STOPLOSS_MARKET order needs a trigger price")
        limit = protected_price(trigger_price, side, tick, percent)
        return SentTerms(OrderType.STOPLOSS, limit, trigger_price, protected=True)
    raise ValueError(f"order type {order_type!r} is not supported")
