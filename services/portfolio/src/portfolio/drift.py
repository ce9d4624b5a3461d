"""Reconciliation: the broker's net quantities against ours (pure, no I/O).

The broker reports positions per (exchange, token, Motilal product); ours are per trade
type. Our trade type is mapped to the product the adapter sends (motilal.products: on cash
INTRADAY → VALUEPLUS, DELIVERY → DELIVERY, MTF → MTF; every F&O order is NORMAL, so our
INTRADAY and DELIVERY F&O positions are compared together against the broker's NORMAL) and
both sides are compared per (exchange, token, product). A product we never send (BTST,
SELLFROMDP, ...) compares with our zero. Drift is reported, never used to overwrite our positions.
"""

from collections import defaultdict
from collections.abc import Iterable, Mapping, Sequence
from dataclasses import dataclass, fields
from datetime import datetime

from common.contracts.accounts import BrokerPosition
from common.enums import Exchange, TradeType
from motilal.products import UnsupportedProduct, product_for

# NORMAL on F&O holds both INTRADAY and DELIVERY: labelled as the carry-forward one.
_LABEL_ORDER = (TradeType.DELIVERY, TradeType.INTRADAY, TradeType.MTF)


def motilal_product(exchange: Exchange, trade_type: TradeType) -> str:
    """The Motilal product name an order of this trade type is placed with."""
    try:
        return product_for(trade_type.value, exchange.value)
    except UnsupportedProduct:  # never placed (the adapter refuses it): compared as its name
        return trade_type.value


def trade_type_of(exchange: Exchange, product: str) -> TradeType | None:
    """The trade type a broker product row belongs to, or None for one we never send."""
    for trade_type in _LABEL_ORDER:
        if motilal_product(exchange, trade_type) == product.upper():
            return trade_type
    return None


@dataclass(frozen=True)
class HeldQuantity:
    """Our net quantity in one instrument and trade type."""

    exchange: Exchange
    token: int
    trade_type: TradeType
    net_quantity: int


DriftKey = tuple[Exchange, int, str]
"""(exchange, token, Motilal product): what drift is recorded per, for one client."""


@dataclass(frozen=True)
class Drift:
    exchange: Exchange
    token: int
    product: str
    trade_type: TradeType | None
    ours: int
    broker: int

    @property
    def key(self) -> DriftKey:
        return (self.exchange, self.token, self.product)


def find_drift(ours: Iterable[HeldQuantity], broker: Iterable[BrokerPosition]) -> list[Drift]:
    """Every (exchange, token, product) where the two net quantities differ."""
    our_net: dict[DriftKey, int] = defaultdict(int)
    for held in ours:
        product = motilal_product(held.exchange, held.trade_type)
        our_net[(held.exchange, held.token, product)] += held.net_quantity
    broker_net: dict[DriftKey, int] = defaultdict(int)
    for row in broker:
        broker_net[(row.exchange, row.token, row.product.upper())] += (
            row.buy_quantity - row.sell_quantity
        )
    drifts = []
    for key in sorted(set(our_net) | set(broker_net)):
        mine, theirs = our_net.get(key, 0), broker_net.get(key, 0)
        if mine != theirs:
            exchange, token, product = key
            drifts.append(
                Drift(exchange, token, product, trade_type_of(exchange, product), mine, theirs)
            )
    return drifts


@dataclass(frozen=True)
class DriftRecord(Drift):
    """A difference as stored: how many snapshots in a row showed exactly it, since when."""

    snapshots_seen: int
    first_seen_at: datetime
    last_seen_at: datetime


def next_drift(
    records: Mapping[DriftKey, DriftRecord], drifts: Sequence[Drift], taken_at: datetime
) -> dict[DriftKey, DriftRecord]:
    """The client's drift after one more snapshot: a difference seen again unchanged counts
    up; a changed or new one starts at 1; one the snapshot no longer shows is gone."""
    after: dict[DriftKey, DriftRecord] = {}
    for d in drifts:
        old = records.get(d.key)
        same = old is not None and (old.ours, old.broker) == (d.ours, d.broker)
        after[d.key] = DriftRecord(
            **{f.name: getattr(d, f.name) for f in fields(Drift)},
            snapshots_seen=old.snapshots_seen + 1 if old is not None and same else 1,
            first_seen_at=old.first_seen_at if old is not None and same else taken_at,
            last_seen_at=max(old.last_seen_at, taken_at) if old is not None else taken_at,
        )
    return after
