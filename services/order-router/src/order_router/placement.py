"""The placement decision, pure (no I/O): what an order-making request asks for, the
orders it makes, how an EXIT is sized from its position, what risk decides on each, and
the commands, events and updates a decided order is announced with.

intake.py does the I/O around it (instrument and position lookups, quotes, the account
copies, the one insert, publishing); the dry run uses the same decision.
"""

from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderEvent
from common.contracts.requests import (
    BasketRequested,
    BatchRequested,
    ClientOrder,
    ExitByTokenRequested,
    ExitTradeRequested,
    OrderRequested,
    OrderTerms,
)
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType
from motilal.margin_rows import available_margin

from order_router import store_orders
from order_router.accounts import AccountFacts
from order_router.baskets import basket_json
from order_router.lookups import LookupFailed, OpenPosition
from order_router.messages import (
    denied_event,
    order_terms,
    place_command,
    submitted_event,
    updated_event,
)
from order_router.orders import Order
from order_router.risk import (
    Decision,
    KillSwitch,
    OrderIntent,
    RiskConfig,
    RiskContext,
    Rule,
    check,
    margin_required,
)
from order_router.slices import is_parent, is_sent
from order_router.transitions import Ev


@dataclass(frozen=True)
class PlacementRequest:
    """What every order-making request boils down to."""

    message: Message
    kind: str
    batch_id: str
    terms: OrderTerms
    orders: Sequence[ClientOrder]
    any_trade_type: bool = False  # exit-by-token without a trade type: take it from the position
    basket: BasketRequested | None = None
    """A basket's leg: the basket it belongs to (baskets.py sequences its legs)."""
    leg: int = 0
    """Which leg of the basket, from 1, in sending order."""


def order_requests(m: Message) -> list[PlacementRequest]:
    """What an order-making request asks for: one request, or a basket's legs (one each);
    empty for any other request."""
    if isinstance(m, BasketRequested):
        return [
            PlacementRequest(m, m.type, m.batch_id, leg.terms, leg.orders, basket=m, leg=n)
            for n, leg in enumerate(m.legs, start=1)
        ]
    found = order_request(m)
    return [] if found is None else [found]


def order_request(m: Message) -> PlacementRequest | None:
    """What an order-making request asks for; None for any other request."""
    if isinstance(m, BatchRequested):
        return PlacementRequest(m, m.type, m.batch_id, m.terms, m.orders)
    if isinstance(m, OrderRequested):
        return PlacementRequest(m, m.type, m.batch_id, m.terms, (m.order,))
    if isinstance(m, ExitTradeRequested):
        terms = exit_terms(m.token_id, m.exchange, m.trade_type)
        order = ClientOrder(order_id=m.order_id, client_id=m.client_id)
        return PlacementRequest(m, m.type, m.batch_id, terms, (order,))
    if isinstance(m, ExitByTokenRequested):
        terms = exit_terms(m.token_id, m.exchange, m.trade_type or TradeType.INTRADAY)
        return PlacementRequest(m, m.type, m.batch_id, terms, m.orders, m.trade_type is None)
    return None


def assess(
    order: Order,
    exit_position: OpenPosition | LookupFailed | None,
    any_trade_type: bool,
    facts: AccountFacts,
    kill: KillSwitch,
    ltp: Decimal | None,
    risk: RiskConfig,
    held: Decimal = Decimal(0),
) -> tuple[Order, Decision]:
    """The order as risk sees it (an EXIT sized from its position) and risk's decision;
    `held`: margin the client's orders in flight hold that its margin report cannot show."""
    if order.execution_type is ExecutionType.EXIT:
        sized = size_exit(order, exit_position, any_trade_type)
        if isinstance(sized, Decision):
            return order, sized
        order = sized
    intent = _intent(order)
    ctx = RiskContext(
        client=facts.clients.get(order.client_id),
        session=facts.sessions.get(order.client_id),
        kill_switch=kill,
        ltp=ltp,
        available_margin=available_margin(
            facts.margin_rows.get(order.client_id), order.instrument.exchange
        ),
        held_margin=held,
    )
    return order, check(intent, ctx, risk)


def _intent(order: Order) -> OrderIntent:
    return OrderIntent(
        client_id=order.client_id,
        execution_type=order.execution_type,
        amo=order.amo,
        **order_terms(order),
    )


def blocked_margin(order: Order, ltp: Decimal | None, risk: RiskConfig) -> Decimal | None:
    """The margin an approved order holds until the client's margin report shows it."""
    if order.status is not OrderStatus.SUBMITTED or order.side is None:
        return None
    return margin_required(_intent(order), ltp, risk)


def announcements(
    cause: Message,
    orders: Sequence[Order],
    commands: list[Message],
    events: list[Message],
    updates: list[Message],
) -> None:
    """A request's place commands, our submitted/denied events and the orders' updates (a
    command is sent again for an order still waiting for the broker's ack: redelivery
    after a crash). A sliced order is announced by its slices' commands and events, and by
    its own update."""
    unacknowledged = [
        o for o in orders if o.status is OrderStatus.SUBMITTED and o.broker_order_id is None
    ]
    sent = [o for o in unacknowledged if is_sent(o)]  # a sliced order's slices, not itself
    commands += [place_command(o, cause) for o in sent]
    ours: list[tuple[Order, OrderEvent]] = [(o, submitted_event(o, cause)) for o in sent]
    ours += [(o, denied_event(o, cause)) for o in orders if o.status is OrderStatus.DENIED]
    events += [event for _, event in ours]
    updates += [updated_event(o, event) for o, event in ours if o.parent_order_id is None]
    updates += [updated_event(o, submitted_event(o, cause)) for o in unacknowledged if is_parent(o)]


def exit_terms(token: int, exchange: Exchange | None, trade_type: TradeType) -> OrderTerms:
    return OrderTerms(
        token_id=token,
        exchange=exchange,
        execution_type=ExecutionType.EXIT,
        order_type=OrderType.MARKET,
        trade_type=trade_type,
    )


def is_exit(terms: OrderTerms) -> bool:
    return terms.execution_type is ExecutionType.EXIT


def placeholder_instrument(token: int, exchange: Exchange | None) -> Instrument:
    """Stands in for an instrument nobody could tell us about, on an order being denied."""
    return Instrument(
        token=token,
        exchange=exchange or Exchange.NSE,
        symbol=f"token {token}",
        lot_size=1,
        tick_size=Decimal("0.01"),
    )


def new_order(req: PlacementRequest, client_order: ClientOrder, instrument: Instrument) -> Order:
    terms = req.terms
    side = {ExecutionType.BUY: Side.BUY, ExecutionType.SELL: Side.SELL}.get(terms.execution_type)
    return Order(
        order_id=client_order.order_id,
        batch_id=req.batch_id,
        client_id=client_order.client_id,
        instrument=instrument,
        execution_type=terms.execution_type,
        side=side,
        order_type=terms.order_type,
        trade_type=client_order.trade_type or terms.trade_type,
        quantity=client_order.quantity or 0,
        price=terms.price,
        trigger_price=terms.trigger_price,
        tag=terms.tag,
        amo=terms.amo,
        status=OrderStatus.PENDING,
        actor=req.message.actor,
        correlation_id=req.message.correlation_id,
    )


def size_exit(
    order: Order, position: OpenPosition | LookupFailed | None, any_trade_type: bool
) -> Order | Decision:
    """Side and quantity of an EXIT from the open position, or the denial saying why not."""
    if isinstance(position, LookupFailed):
        return Decision(
            rule=Rule.EXIT_POSITION,
            reason=f"cannot size the EXIT: the position service did not answer ({position.reason})",
        )
    if position is None or position.net_quantity == 0:
        which = "" if any_trade_type else f" {order.trade_type}"
        return Decision(
            rule=Rule.EXIT_POSITION,
            reason=f"client {order.client_id} has no open{which} position "
            f"in {order.instrument.symbol} to exit",
        )
    held = abs(position.net_quantity)
    quantity = min(order.quantity, held) if order.quantity else held
    return replace(
        order,
        side=Side.SELL if position.net_quantity > 0 else Side.BUY,
        quantity=quantity,
        trade_type=position.trade_type if any_trade_type else order.trade_type,
    )


def decided(order: Order, decision: Decision) -> Order:
    if decision.approved:
        return order.to(Ev.SUBMIT, risk_notes=decision.notes, risk_checks=decision.checks)
    return order.to(Ev.DENY, rule=decision.rule, reason=decision.reason,
                    risk_notes=decision.notes, risk_checks=decision.checks)  # fmt: skip


def batch_row(req: PlacementRequest, count: int) -> store_orders.BatchRow:
    """The request's batch row; a basket's (every leg makes the same one) counts all its
    orders and keeps its legs."""
    t = req.terms
    if req.basket is not None:
        count = sum(len(leg.orders) for leg in req.basket.legs)
    return store_orders.BatchRow(
        batch_id=req.batch_id,
        kind=req.kind,
        token=t.token_id,
        exchange=t.exchange.value if t.exchange else None,
        execution_type=t.execution_type.value,
        order_type=t.order_type.value,
        trade_type=None if req.any_trade_type else t.trade_type.value,
        price=t.price,
        trigger_price=t.trigger_price,
        tag=t.tag,
        actor=req.message.actor,
        order_count=count,
        legs=None if req.basket is None else basket_json(req.basket),
    )
