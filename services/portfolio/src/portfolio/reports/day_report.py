"""One trading day per client: orders, fills, P&L and charges (pure, no I/O).

- Fills are the day's (booked to the trading date, the IST date of the trade); orders are
  the orders those fills belong to (an order that never filled has no fill here: the
  gateway adds the order-router's count of every order placed that day).
- Realized P&L is what the day's fills booked. Unrealized P&L is that of the client's open
  positions at the report's marks, against their average open price: at the close for a
  stored day, now for a live one; unknown (None) for a day computed after later fills.
- Net P&L = realized + unrealized (when known) - estimated charges.
"""

from collections import defaultdict
from collections.abc import Iterable, Sequence
from datetime import date, datetime
from typing import Literal

from common.contracts.envelope import Contract, Money
from common.enums import Exchange, Side, TradeType
from pydantic import Field

from portfolio.book import PRICE_PLACES, ZERO
from portfolio.reports.charges import ChargeableFill, Charges, Rates, charges_for
from portfolio.store_positions import Held

ReportStatus = Literal["closed", "live", "computed"]


class _OrderPart(Contract):
    """What an order and each of its fills have in common."""

    order_id: str
    exchange: Exchange
    token: int
    symbol: str
    trade_type: TradeType
    side: Side


class ReportFill(_OrderPart):
    trade_no: str
    quantity: int
    price: Money
    traded_at: datetime
    realized_pnl: Money


class ReportOrder(_OrderPart):
    """An order as its fills of the day show it."""

    filled_quantity: int
    average_price: Money = Field(description="volume-weighted price of the day's fills, 4 dp")
    fills: int


class ClientDay(Contract):
    client_id: str
    order_count: int = Field(description="orders with at least one fill that day")
    fill_count: int
    buy_value: Money
    sell_value: Money
    realized_pnl: Money
    unrealized_pnl: Money | None = Field(description="open positions at the report's marks")
    open_positions: int
    charges: Charges
    net_pnl: Money
    unpriced_fills: int = Field(description="fills in segments the schedule does not price")
    orders: list[ReportOrder]
    fills: list[ReportFill]


class DayReport(Contract):
    trading_date: date
    status: ReportStatus = Field(
        description="closed: the record written after the close; live: the day is not closed "
        "yet, computed now; computed: a closed day computed now from its fills (no record "
        "asked for or none written; unrealized P&L only while no later day has fills)"
    )
    written_at: datetime | None = Field(description="when the record was written (closed)")
    schedule_from: date = Field(description="the charge schedule in force that day")
    schedule_source: str
    clients: list[ClientDay]


def _order(fills: Sequence[ReportFill]) -> ReportOrder:
    first = fills[0]
    quantity = sum(f.quantity for f in fills)
    value = sum((f.price * f.quantity for f in fills), ZERO)
    return ReportOrder(
        **first.model_dump(include=set(_OrderPart.model_fields)),
        filled_quantity=quantity,
        average_price=(value / quantity).quantize(PRICE_PLACES),
        fills=len(fills),
    )


def client_day(
    client_id: str,
    rates: Rates,
    fills: Sequence[ReportFill],
    held: Sequence[Held] | None,
) -> ClientDay:
    """`held`: the client's open positions with their marks; None when unknown."""
    fills = sorted(fills, key=lambda f: (f.traded_at, f.trade_no))
    by_order: dict[str, list[ReportFill]] = defaultdict(list)
    for f in fills:
        by_order[f.order_id].append(f)
    charges, unpriced = charges_for(
        rates,
        (ChargeableFill(f.order_id, f.exchange, f.trade_type, f.symbol, f.side, f.quantity,
                        f.price) for f in fills),
    )  # fmt: skip
    realized = sum((f.realized_pnl for f in fills), ZERO)
    unrealized = (
        None if held is None else sum((h.position.unrealized_pnl(h.last_price) for h in held), ZERO)
    )
    value = {s: sum((f.price * f.quantity for f in fills if f.side is s), ZERO) for s in Side}
    return ClientDay(
        client_id=client_id,
        order_count=len(by_order),
        fill_count=len(fills),
        buy_value=value[Side.BUY],
        sell_value=value[Side.SELL],
        realized_pnl=realized,
        unrealized_pnl=unrealized,
        open_positions=0 if held is None else len(held),
        charges=charges,
        net_pnl=realized + (unrealized or ZERO) - charges.total,
        unpriced_fills=unpriced,
        orders=[_order(v) for v in by_order.values()],
        fills=list(fills),
    )


def build_report(
    day: date,
    status: ReportStatus,
    rates: Rates,
    clients: Iterable[str],
    fills: Iterable[tuple[str, ReportFill]],
    held: Iterable[Held] | None,
    written_at: datetime | None = None,
) -> DayReport:
    """Every client named in `clients` (and every client with a fill or an open position),
    in id order; `fills` are (client id, fill) pairs; `held` None: marks unknown."""
    by_client: dict[str, list[ReportFill]] = defaultdict(list)
    for client_id, f in fills:
        by_client[client_id].append(f)
    positions: dict[str, list[Held]] = defaultdict(list)
    for h in held or ():
        positions[h.position.key.client_id].append(h)
    ids = sorted(set(clients) | by_client.keys() | positions.keys())
    return DayReport(
        trading_date=day,
        status=status,
        written_at=written_at,
        schedule_from=rates.effective_from,
        schedule_source=rates.source,
        clients=[
            client_day(c, rates, by_client[c], None if held is None else positions[c]) for c in ids
        ],
    )
