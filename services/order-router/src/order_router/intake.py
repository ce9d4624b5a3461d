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
import contextlib
import logging
from collections.abc import Collection, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg
from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.contracts.requests import (
    CancelRequested,
    ClientOrder,
    FlattenRequested,
    KillSwitchRequested,
    ModifyRequested,
)
from common.db import Executor
from common.enums import Exchange
from common.kafka import Publisher
from common.logs import bound
from common.redis_keys import QuoteKey, latest_quotes
from common.topics import ORDER_COMMANDS, ORDER_EVENTS, ORDER_UPDATES
from redis.asyncio import Redis

from order_router import client_locks, metrics, store_accounts, store_kill_switches, store_orders
from order_router.accounts import AccountCopies, AccountFacts
from order_router.lookups import InstrumentCache, LookupFailed, OpenPosition, PositionLookup
from order_router.margin_holds import Holds
from order_router.orders import Order
from order_router.placement import (
    PlacementRequest,
    announcements,
    assess,
    batch_row,
    decided,
    is_exit,
    new_order,
    order_requests,
    placeholder_instrument,
)
from order_router.risk import Decision, RiskConfig, Rule
from order_router.risk_blocks import Blocks
from order_router.risk_wiring import RiskAutomation
from order_router.shaping import shaped
from order_router.working_orders import WorkingOrderChanges

log = logging.getLogger(__name__)

AskedToken = tuple[Exchange | None, int]
"""A request's instrument as asked: the exchange may be left out when the token is unique."""

CLIENT_COPY_RETRIES = 3
"""Re-reads (1 s apart) of a client missing from the copies before it is denied unknown."""


@dataclass(frozen=True)
class Prepared:
    """What deciding a request takes I/O for, looked up before the clients' locks."""

    instrument: Instrument
    instrument_problem: str | None
    exits: dict[str, OpenPosition | LookupFailed | None]


@dataclass(eq=False)
class Intake:
    pool: asyncpg.Pool
    redis: Redis
    publisher: Publisher
    instruments: InstrumentCache
    positions: PositionLookup
    risk: RiskConfig
    accounts: AccountCopies
    guard: RiskAutomation | None = field(init=False, default=None)
    """MTM-limit and square-off blocks and flattening (risk_wiring.py), set at start."""
    changes: WorkingOrderChanges = field(init=False)

    def __post_init__(self) -> None:
        self.changes = WorkingOrderChanges(self.pool, self.redis, self.publisher, self.accounts)

    async def handle(self, messages: Sequence[Message]) -> None:
        """Order-making requests are placed together up to the next modify, cancel or
        kill switch, which then finds the orders before it stored."""
        placing: list[PlacementRequest] = []
        if self.guard is not None:
            await self.guard.refresh()
        for message in messages:
            requests = order_requests(message)  # a basket is one request per leg
            if requests:
                placing += requests
                continue
            await self.place(placing)
            placing = []
            with bound(correlation_id=message.correlation_id):
                await self._dispatch(message)
        await self.place(placing)

    async def _dispatch(self, m: Message) -> None:
        if isinstance(m, ModifyRequested | CancelRequested):
            await self.changes.change(m)
        elif isinstance(m, KillSwitchRequested):
            await self.changes.kill_switch(m)
        elif isinstance(m, FlattenRequested) and self.guard is not None:
            await self.guard.flatten(m)
        else:
            log.warning("ignoring request of unknown type %s", m.type)

    # --- placing -------------------------------------------------------------------------

    async def place(self, requests: Sequence[PlacementRequest]) -> None:
        """Look up what deciding needs (side by side), then, holding every client's lock
        (client_locks.py: one replica at a time decides a client), decide the requests in
        order from memory, each approval holding its margin for the next (margin_holds.py),
        insert all their batches, orders and holds in ONE transaction, and produce every
        command and event at once, in request order, before the locks are let go: each
        client's commands keep the order of its decisions on its partition, whichever
        replica made them.

        The insert's RETURNING says which orders are new; the others were stored by an
        earlier delivery and are read back and announced as they are stored (the adapter
        dedupes a repeated place by order id)."""
        if not requests:
            return
        ltps = await self._ltps({(r.terms.exchange, r.terms.token_id) for r in requests})
        prepared = await asyncio.gather(*(self._prepare_bound(r) for r in requests))
        clients = {o.client_id for r in requests for o in r.orders}
        async with client_locks.clients_locked(self.pool, clients) as conn:
            # a kill switch another replica engaged under these locks, before its NOTIFY
            self.accounts.book.put_kill_switches(await store_kill_switches.kill_switches(conn))
            # the clients' margin reports as stored: one another replica consumed reaches
            # this copy only with its NOTIFY, and a client without one is not margin-checked
            self.accounts.book.put(await store_accounts.load_margins(conn, sorted(clients)))
            blocks = await self._blocks_of(conn, clients)  # and MTM or square-off blocks
            holds = await Holds.load(conn, self.accounts.book, clients)
            decided = [
                self._assess_bound(
                    r, p, ltps.get((r.terms.exchange, r.terms.token_id)), holds, blocks
                )
                for r, p in zip(requests, prepared, strict=True)
            ]
            await self._store_and_announce(conn, requests, decided, holds)

    async def _store_and_announce(
        self,
        conn: asyncpg.Connection,
        requests: Sequence[PlacementRequest],
        decided: Sequence[list[Order]],
        holds: Holds,
    ) -> None:
        """Under the clients' locks: store the orders and their holds, then produce."""
        batches = [batch_row(r, len(orders)) for r, orders in zip(requests, decided, strict=True)]
        decided = shaped(requests, decided)  # basket legs held, orders cut at the freeze
        created = [o for orders in decided for o in orders]
        async with conn.transaction():
            new = await store_orders.insert_batch_orders(conn, batches, created)
            await holds.store(conn, new)
        stored = {o.order_id: o for o in created if o.order_id in new}
        old = [o.order_id for o in created if o.order_id not in new]
        if old:
            stored.update(await store_orders.orders_by_id(conn, old))
        commands: list[Message] = []
        events: list[Message] = []
        updates: list[Message] = []
        for req, made in zip(requests, decided, strict=True):
            orders = [stored.pop(o.order_id) for o in made if o.order_id in stored]
            announcements(req.message, orders, commands, events, updates)
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
        metrics.sent(commands, events)

    async def _prepare_bound(self, req: PlacementRequest) -> Prepared:
        with bound(correlation_id=req.message.correlation_id):
            return await self._prepare(req, req.orders)

    def _assess_bound(
        self,
        req: PlacementRequest,
        prepared: Prepared,
        ltp: Decimal | None,
        holds: Holds,
        blocks: Blocks,
    ) -> list[Order]:
        with bound(correlation_id=req.message.correlation_id):
            return self._assess(req, req.orders, prepared, ltp, holds, blocks)

    async def _decide(
        self, req: PlacementRequest, orders: Sequence[ClientOrder], ltp: Decimal | None
    ) -> list[Order]:
        """A decision without storing it (the dry run): the holds as they stand, no lock."""
        prepared = await self._prepare(req, orders)
        clients = {o.client_id for o in orders}
        blocks = await self._blocks_of(self.pool, clients)
        holds = await Holds.load(self.pool, self.accounts.book, clients)
        return self._assess(req, orders, prepared, ltp, holds, blocks)

    async def _blocks_of(self, conn: Executor, clients: Collection[str]) -> Blocks:
        return {} if self.guard is None else await self.guard.blocks_of(conn, clients)

    async def _prepare(self, req: PlacementRequest, orders: Sequence[ClientOrder]) -> Prepared:
        """What deciding takes I/O for, gathered before the clients' locks are taken."""
        terms = req.terms
        try:
            instrument = await self.instruments.get(terms.token_id, terms.exchange)
            instrument_problem = None
        except LookupFailed as failure:
            instrument = placeholder_instrument(terms.token_id, terms.exchange)
            instrument_problem = failure.reason
        await self._account_facts(sorted({o.client_id for o in orders}))
        exits = await self._exit_positions(req, orders) if is_exit(terms) else {}
        return Prepared(instrument, instrument_problem, exits)

    def _assess(
        self,
        req: PlacementRequest,
        orders: Sequence[ClientOrder],
        prepared: Prepared,
        ltp: Decimal | None,
        holds: Holds,
        blocks: Blocks,
    ) -> list[Order]:
        """Risk on each order in request order, from memory, each approval holding its
        margin for the ones after it (pure but for the log)."""
        facts = self.accounts.book.facts(sorted({o.client_id for o in orders}))
        kill = self.accounts.book.kill_switch()
        created = []
        for client_order in orders:
            order = new_order(req, client_order, prepared.instrument)
            any_type = req.any_trade_type and client_order.trade_type is None
            with bound(client_id=order.client_id, order_id=order.order_id):
                if prepared.instrument_problem is not None:
                    decision = Decision(rule=Rule.INSTRUMENT, reason=prepared.instrument_problem)
                elif (
                    self.guard is not None and (block := self.guard.deny(order, blocks)) is not None
                ):
                    decision = block  # mtm_limit or square_off_time (risk_blocks.py)
                else:
                    order, decision = assess(order, prepared.exits.get(order.order_id),
                                             any_type, facts, kill, ltp, self.risk,
                                             holds.of(order.client_id))  # fmt: skip
                created.append(decided(order, decision))
                holds.add(created[-1], ltp, self.risk)
        return created

    async def _exit_positions(
        self, req: PlacementRequest, orders: Sequence[ClientOrder]
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

    async def _ltps(self, wanted: set[AskedToken]) -> dict[AskedToken, Decimal | None]:
        """The last price of each (exchange, token) asked for, from Redis in one round trip
        (None: no quote). Token numbers repeat across exchanges, so a request without an
        exchange is priced as the instrument market-data resolves it to (cached lookup)."""
        keys: dict[AskedToken, QuoteKey] = {}
        for exchange, token in wanted:
            if exchange is not None:
                keys[(exchange, token)] = (exchange, token)
                continue
            with contextlib.suppress(LookupFailed):  # the decision denies it by name
                keys[(exchange, token)] = (
                    (await self.instruments.get(token, None)).exchange,
                    token,
                )
        quotes = await latest_quotes(self.redis, sorted(set(keys.values())))
        return {asked: q.ltp if (q := quotes.get(key)) else None for asked, key in keys.items()}
