"""Turns operators' requests (orders.requests.v1) into orders, commands and denials.

The order-making requests of one Kafka batch (up to the next modify, cancel or kill
switch, which must find the orders before it stored) are handled together: per request
one instrument lookup (cached); one Redis MGET for all their quotes; the clients,
sessions, margins and kill switch from the router's in-memory copies (accounts.py);
pre-trade risk in memory; then ONE statement that inserts every batch and order (ON
CONFLICT DO NOTHING ... RETURNING: a redelivered request inserts nothing, and only then
are its stored orders read back), and after it the commands and events produced at once,
in request order, so each client's commands keep their order.

On redelivery, orders still SUBMITTED without a broker order id get their PlaceOrder again:
the adapter dedupes by order id, so a duplicate command never becomes a duplicate order.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import dataclass, replace
from decimal import Decimal

import asyncpg
from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderEvent
from common.contracts.requests import (
    BatchRequested,
    CancelRequested,
    ClientOrder,
    ExitByTokenRequested,
    ExitTradeRequested,
    KillSwitchRequested,
    ModifyRequested,
    OrderRequested,
    OrderTerms,
)
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType
from common.kafka import Publisher
from common.logs import bound
from common.redis_keys import kill_switch_key, latest_quotes
from common.topics import ORDER_COMMANDS, ORDER_EVENTS, ORDER_UPDATES
from motilal.margin_rows import available_margin
from redis.asyncio import Redis

from order_router import store
from order_router.accounts import AccountCopies, AccountFacts
from order_router.lookups import InstrumentCache, LookupFailed, OpenPosition, PositionLookup
from order_router.messages import (
    cancel_command,
    denied_event,
    modify_command,
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
)
from order_router.transitions import Ev, IllegalTransition

log = logging.getLogger(__name__)

CLIENT_COPY_RETRIES = 3
"""Re-reads (1 s apart) of a client missing from the copies before it is denied unknown."""
"""Redis flag per engaged scope ('*' or a client id); value = the reason. Mirrors the DB."""


@dataclass(frozen=True)
class _Request:
    """What every order-making request boils down to."""

    message: Message
    kind: str
    batch_id: str
    terms: OrderTerms
    orders: Sequence[ClientOrder]
    any_trade_type: bool = False  # exit-by-token without a trade type: take it from the position


def _order_request(m: Message) -> _Request | None:
    """What an order-making request asks for; None for any other request."""
    if isinstance(m, BatchRequested):
        return _Request(m, m.type, m.batch_id, m.terms, m.orders)
    if isinstance(m, OrderRequested):
        return _Request(m, m.type, m.batch_id, m.terms, (m.order,))
    if isinstance(m, ExitTradeRequested):
        terms = _exit_terms(m.token_id, m.exchange, m.trade_type)
        order = ClientOrder(order_id=m.order_id, client_id=m.client_id)
        return _Request(m, m.type, m.batch_id, terms, (order,))
    if isinstance(m, ExitByTokenRequested):
        terms = _exit_terms(m.token_id, m.exchange, m.trade_type or TradeType.INTRADAY)
        return _Request(m, m.type, m.batch_id, terms, m.orders, m.trade_type is None)
    return None


class Intake:
    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: Redis,
        publisher: Publisher,
        instruments: InstrumentCache,
        positions: PositionLookup,
        risk: RiskConfig,
        accounts: AccountCopies,
    ) -> None:
        self.pool = pool
        self.accounts = accounts
        self.redis = redis
        self.publisher = publisher
        self.instruments = instruments
        self.positions = positions
        self.risk = risk

    async def handle(self, messages: Sequence[Message]) -> None:
        """Order-making requests are placed together up to the next modify, cancel or
        kill switch, which then finds the orders before it stored."""
        placing: list[_Request] = []
        for message in messages:
            request = _order_request(message)
            if request is not None:
                placing.append(request)
                continue
            await self.place(placing)
            placing = []
            with bound(correlation_id=message.correlation_id):
                await self._dispatch(message)
        await self.place(placing)

    async def _dispatch(self, m: Message) -> None:
        if isinstance(m, ModifyRequested):
            await self.modify(m)
        elif isinstance(m, CancelRequested):
            await self.cancel(m)
        elif isinstance(m, KillSwitchRequested):
            await self.kill_switch(m)
        else:
            log.warning("ignoring request of unknown type %s", m.type)

    # --- placing -------------------------------------------------------------------------

    async def place(self, requests: Sequence[_Request]) -> None:
        """Decide every request (side by side: risk works from memory), insert all their
        batches and orders in ONE statement, then produce every command and event at once,
        in request order, so each client's commands keep their order on its partition.

        The insert's RETURNING says which orders are new; the others were stored by an
        earlier delivery and are read back and announced as they are stored (the adapter
        dedupes a repeated place by order id)."""
        if not requests:
            return
        ltps = await self._ltps({r.terms.token_id for r in requests})
        decided = await asyncio.gather(
            *(self._decide_bound(r, ltps.get(r.terms.token_id)) for r in requests)
        )
        batches = [_batch_row(r, len(orders)) for r, orders in zip(requests, decided, strict=True)]
        created = [o for orders in decided for o in orders]
        new = await store.insert_batch_orders(self.pool, batches, created)
        stored = {o.order_id: o for o in created if o.order_id in new}
        old = [o.order_id for o in created if o.order_id not in new]
        if old:
            stored.update(await store.orders_by_id(self.pool, old))
        commands: list[Message] = []
        events: list[Message] = []
        updates: list[Message] = []
        for req in requests:
            orders = [stored.pop(o.order_id) for o in req.orders if o.order_id in stored]
            _announcements(req.message, orders, commands, events, updates)
            fresh = sum(1 for o in orders if o.order_id in new)
            with bound(correlation_id=req.message.correlation_id):
                log.info("request %s %s: %d orders (%d new)", req.kind, req.batch_id,
                         len(orders), fresh)  # fmt: skip
        await asyncio.gather(
            *(
                self.publisher.publish_many(topic, messages)
                for topic, messages in (
                    (ORDER_COMMANDS, commands),
                    (ORDER_EVENTS, events),
                    (ORDER_UPDATES, updates),
                )
                if messages
            )
        )

    async def _decide_bound(self, req: _Request, ltp: Decimal | None) -> list[Order]:
        with bound(correlation_id=req.message.correlation_id):
            return await self._decide(req, req.orders, ltp)

    async def _decide(
        self, req: _Request, orders: Sequence[ClientOrder], ltp: Decimal | None
    ) -> list[Order]:
        terms = req.terms
        try:
            instrument = await self.instruments.get(terms.token_id, terms.exchange)
            instrument_problem = None
        except LookupFailed as failure:
            instrument = _placeholder_instrument(terms.token_id, terms.exchange)
            instrument_problem = failure.reason
        client_ids = sorted({o.client_id for o in orders})
        facts = await self._account_facts(client_ids)
        kill = self.accounts.book.kill_switch()
        exits = await self._exit_positions(req, orders) if _is_exit(terms) else {}
        created = []
        for client_order in orders:
            order = _new_order(req, client_order, instrument)
            any_type = req.any_trade_type and client_order.trade_type is None
            with bound(client_id=order.client_id, order_id=order.order_id):
                if instrument_problem is not None:
                    decision = Decision(rule=Rule.INSTRUMENT, reason=instrument_problem)
                else:
                    order, decision = self._assess(order, exits.get(order.order_id), any_type,
                                                   req, facts, kill, ltp)  # fmt: skip
                created.append(_decided(order, decision))
        return created

    def _assess(
        self,
        order: Order,
        exit_position: OpenPosition | LookupFailed | None,
        any_trade_type: bool,
        req: _Request,
        facts: AccountFacts,
        kill: KillSwitch,
        ltp: Decimal | None,
    ) -> tuple[Order, Decision]:
        if order.execution_type is ExecutionType.EXIT:
            sized = _size_exit(order, exit_position, any_trade_type)
            if isinstance(sized, Decision):
                return order, sized
            order = sized
        assert order.side is not None
        intent = OrderIntent(
            client_id=order.client_id,
            instrument=order.instrument,
            execution_type=order.execution_type,
            side=order.side,
            order_type=order.order_type,
            trade_type=order.trade_type,
            quantity=order.quantity,
            price=order.price,
            trigger_price=order.trigger_price,
            amo=order.amo,
        )
        ctx = RiskContext(
            client=facts.clients.get(order.client_id),
            session=facts.sessions.get(order.client_id),
            kill_switch=kill,
            ltp=ltp,
            available_margin=available_margin(
                facts.margin_rows.get(order.client_id), order.instrument.exchange
            ),
        )
        return order, check(intent, ctx, self.risk)

    async def _exit_positions(
        self, req: _Request, orders: Sequence[ClientOrder]
    ) -> dict[str, OpenPosition | LookupFailed | None]:
        """Each EXIT order's open position, looked up concurrently (EXIT only)."""
        gate = asyncio.Semaphore(16)
        default = None if req.any_trade_type else req.terms.trade_type

        async def one(o: ClientOrder) -> tuple[str, OpenPosition | LookupFailed | None]:
            async with gate:
                try:
                    found = await self.positions.open_position(
                        o.client_id, req.terms.token_id, o.trade_type or default
                    )
                    return o.order_id, found
                except LookupFailed as failure:
                    return o.order_id, failure

        return dict(await asyncio.gather(*(one(o) for o in orders)))

    async def _account_facts(self, client_ids: Sequence[str]) -> AccountFacts:
        """The clients' copies, from memory. A client the gateway knows may reach our copy
        a moment later (or reach another replica's consumer), so only a miss is re-read
        from the database, a few times, before risk denies it as unknown."""
        book = self.accounts.book
        for attempt in range(CLIENT_COPY_RETRIES + 1):
            missing = book.missing(client_ids)
            if not missing:
                break
            if attempt:
                await asyncio.sleep(1.0)
            await self.accounts.refresh(missing)
        return book.facts(client_ids)

    async def _ltps(self, tokens: set[int]) -> dict[int, Decimal | None]:
        """The last price of each token from Redis, in one round trip (None: no quote)."""
        quotes = await latest_quotes(self.redis, sorted(tokens))
        return {token: quotes[token].ltp if token in quotes else None for token in tokens}

    # --- changing working orders ----------------------------------------------------------

    async def modify(self, m: ModifyRequested) -> None:
        with bound(order_id=m.order_id, client_id=m.client_id):
            order = await self._request_change(m.order_id, m.client_id, Ev.REQUEST_MODIFY)
            if order is None:
                return
            proposed = replace(
                order,
                order_type=m.order_type or order.order_type,
                quantity=m.quantity or order.quantity,
                price=m.price if m.price is not None else order.price,
                trigger_price=m.trigger_price if m.trigger_price is not None else
                order.trigger_price,
            )  # fmt: skip
            await self.publisher.publish(ORDER_COMMANDS, modify_command(proposed, m))

    async def cancel(self, m: CancelRequested) -> None:
        with bound(order_id=m.order_id, client_id=m.client_id):
            order = await self._request_change(m.order_id, m.client_id, Ev.REQUEST_CANCEL)
            if order is not None:
                await self.publisher.publish(ORDER_COMMANDS, cancel_command(order, m))

    async def _request_change(self, order_id: str, client_id: str, event: Ev) -> Order | None:
        """Move the order to its pending-change state; None when the change is refused."""
        pending = OrderStatus.PENDING_MODIFY if event is Ev.REQUEST_MODIFY else (
            OrderStatus.PENDING_CANCEL
        )  # fmt: skip
        async with self.pool.acquire() as conn, conn.transaction():
            order = (await store.orders_by_id(conn, [order_id], for_update=True)).get(order_id)
            if order is None or order.client_id != client_id:
                log.warning("%s for unknown order %s of client %s", event, order_id, client_id)
                return None
            if order.status is pending:
                return order  # redelivered: send the command again, the adapter dedupes
            try:
                changed = order.to(event)
            except IllegalTransition as refused:
                log.warning("refused: %s", refused)
                return None
            await store.update_orders(conn, [changed])
            return changed

    async def kill_switch(self, m: KillSwitchRequested) -> None:
        scope = m.client_id or store.GLOBAL_SCOPE
        await self.accounts.set_kill_switch(scope, m.engaged, m.reason, m.actor)
        key = kill_switch_key(scope)
        if m.engaged:
            await self.redis.set(key, m.reason)
        else:
            await self.redis.delete(key)
        log.warning(
            "kill switch %s for %s by %s: %s",
            "ENGAGED" if m.engaged else "released",
            "everyone" if m.client_id is None else m.client_id,
            m.actor,
            m.reason,
        )
        if m.engaged and m.cancel_open_orders:
            await self.cancel_working(m, m.client_id)

    async def cancel_working(self, cause: Message, client_id: str | None) -> int:
        """Ask the adapter to cancel every working order of the scope; returns how many."""
        async with self.pool.acquire() as conn, conn.transaction():
            working = await store.working_orders(conn, client_id)
            to_cancel = []
            for order in working:
                if order.status is OrderStatus.PENDING_CANCEL:
                    to_cancel.append(order)
                    continue
                try:
                    to_cancel.append(order.to(Ev.REQUEST_CANCEL))
                except IllegalTransition as refused:
                    log.warning("kill switch could not cancel %s: %s", order.order_id, refused)
            await store.update_orders(conn, to_cancel)
        if to_cancel:
            commands = [cancel_command(o, cause) for o in to_cancel]
            await self.publisher.publish_many(ORDER_COMMANDS, commands)
        log.warning("kill switch: cancel sent for %d working orders", len(to_cancel))
        return len(to_cancel)


def _announcements(
    cause: Message,
    orders: Sequence[Order],
    commands: list[Message],
    events: list[Message],
    updates: list[Message],
) -> None:
    """A request's place commands, our submitted/denied events and the orders' updates (a
    command is sent again for an order still waiting for the broker's ack: redelivery
    after a crash)."""
    unacknowledged = [
        o for o in orders if o.status is OrderStatus.SUBMITTED and o.broker_order_id is None
    ]
    commands += [place_command(o, cause) for o in unacknowledged]
    ours: list[tuple[Order, OrderEvent]] = [(o, submitted_event(o, cause)) for o in unacknowledged]
    ours += [(o, denied_event(o, cause)) for o in orders if o.status is OrderStatus.DENIED]
    events += [event for _, event in ours]
    updates += [updated_event(o, event) for o, event in ours]


def _exit_terms(token: int, exchange: Exchange | None, trade_type: TradeType) -> OrderTerms:
    return OrderTerms(
        token_id=token,
        exchange=exchange,
        execution_type=ExecutionType.EXIT,
        order_type=OrderType.MARKET,
        trade_type=trade_type,
    )


def _is_exit(terms: OrderTerms) -> bool:
    return terms.execution_type is ExecutionType.EXIT


def _placeholder_instrument(token: int, exchange: Exchange | None) -> Instrument:
    """Stands in for an instrument nobody could tell us about, on an order being denied."""
    return Instrument(
        token=token,
        exchange=exchange or Exchange.NSE,
        symbol=f"token {token}",
        lot_size=1,
        tick_size=Decimal("0.01"),
    )


def _new_order(req: _Request, client_order: ClientOrder, instrument: Instrument) -> Order:
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


def _size_exit(
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


def _decided(order: Order, decision: Decision) -> Order:
    if decision.approved:
        return order.to(Ev.SUBMIT, risk_notes=decision.notes)
    return order.to(Ev.DENY, rule=decision.rule, reason=decision.reason, risk_notes=decision.notes)


def _batch_row(req: _Request, count: int) -> store.BatchRow:
    t = req.terms
    return store.BatchRow(
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
    )
