"""Kafka handlers of the portfolio: thin, they call the ledger, the mapping and the store.

- orders.events.v1: fills become positions (other order events are not the portfolio's).
- marketdata.quotes.v1 (every quote, on every replica): the open positions of the clients
  this replica owns are re-marked in memory; P&L updates are conflated.
- accounts.margins.v1: margin rows become funds figures (MarginChanged).
- accounts.positions.v1: the broker's positions are compared with ours (drift).

Each handler takes a Kafka batch with a fixed number of statements, whatever its size.
"""

import logging
from collections import defaultdict
from collections.abc import Callable, Sequence
from dataclasses import InitVar, dataclass, field
from decimal import Decimal

import asyncpg
from common.assignment import Assigned
from common.contracts.accounts import BrokerPositionsSnapshot, MarginSnapshot
from common.contracts.envelope import Message
from common.contracts.order_events import Fill
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.kafka import Publisher
from common.logs import bound
from common.redis_keys import latest_quotes
from common.topics import ALERTS, PORTFOLIO_UPDATES
from prometheus_client import Counter, Gauge
from redis.asyncio import Redis

from portfolio import store_accounts, store_positions
from portfolio.drift import Drift, find_drift, next_drift
from portfolio.drift_alerts import confirmed_now, drift_alert
from portfolio.handover import BookOwner
from portfolio.ledger import AppliedBatch, apply_fills
from portfolio.margins import funds_from_rows
from portfolio.store_accounts import Reconciliation, StoredMargins
from portfolio.updates import UpdatePublisher
from portfolio.views import margin_changed

log = logging.getLogger(__name__)

FILLS_APPLIED = Counter("portfolio_fills_applied_total", "Fills applied to positions")
FILLS_DUPLICATE = Counter(
    "portfolio_fills_duplicate_total",
    "Fills seen again and ignored (same client, exchange, trading date and trade_no)",
)
DRIFT = Gauge(
    "portfolio_position_drift",
    "Positions (client, instrument, product) whose net quantity differs from the broker's "
    "in at least PORTFOLIO_DRIFT_CONFIRMATIONS snapshots in a row",
)


@dataclass(eq=False)
class PortfolioHandlers:
    pool: asyncpg.Pool
    redis: Redis
    publisher: Publisher
    updates: UpdatePublisher
    drift_confirmations: int
    assignment: InitVar[Callable[[], Assigned | None]]
    assignment_poll_s: InitVar[float]
    owner: BookOwner = field(init=False)
    """Keeps the live book to the clients of this replica's partitions."""

    def __post_init__(
        self, assignment: Callable[[], Assigned | None], assignment_poll_s: float
    ) -> None:
        self.owner = BookOwner(
            self.pool, self.updates, assignment, self._latest_quotes, assignment_poll_s
        )

    async def seed_prices(self) -> None:
        """Every held instrument's latest price from Redis, for the API's marks (the book's
        clients are loaded when the group assigns their partitions)."""
        held = await store_positions.held_instruments(self.pool)
        self.updates.book.seed(await self._latest_quotes(set(held)))

    async def on_order_events(self, messages: Sequence[Message]) -> None:
        fills = [m for m in messages if isinstance(m, Fill)]
        if not fills:
            return
        async with self.owner.lock:  # the book follows this batch before any hand-over
            await self.owner.follow_locked()
            batch = await self._apply(fills)
            # a fill applied before may have been applied by another replica after this
            # one loaded the client: the stored state is the truth
            again = {r.event.client_id for r in batch.applied if r.duplicate}
            fresh = await self.owner.fresh(again) if again else None
            await self.updates.after_fills(batch, fresh)

    async def _apply(self, fills: list[Fill]) -> AppliedBatch:
        instruments = {(f.instrument.exchange, f.instrument.token) for f in fills}
        prices = {i: p for i in instruments if (p := self.updates.book.last_price(i)) is not None}
        prices.update(await self._latest_quotes(instruments - prices.keys()))
        batch = await apply_fills(self.pool, fills, prices)
        for result in batch.applied:
            with bound(correlation_id=result.event.correlation_id, client_id=result.event.client_id,
                       order_id=result.event.order_id):  # fmt: skip
                if result.duplicate:
                    FILLS_DUPLICATE.inc()
                    log.info("fill %s seen again: ignored", result.event.trade_no)
                else:
                    FILLS_APPLIED.inc()
        return batch

    async def on_quotes(self, messages: Sequence[Message]) -> None:
        """Every quote reaches every replica; each marks only the clients it owns."""
        latest: dict[tuple[Exchange, int], Decimal] = {}
        for m in messages:
            if isinstance(m, Quote):
                latest[(m.exchange, m.token)] = m.ltp
        await self.owner.follow()  # a rebalance's drops and loads come before the marks
        self.updates.on_quotes(latest)

    async def on_margins(self, messages: Sequence[Message]) -> None:
        newest: dict[str, MarginSnapshot] = {}
        for m in messages:
            # a later one of a batch wins a tie, as it would one message at a time
            if isinstance(m, MarginSnapshot) and (
                m.client_id not in newest or newest[m.client_id].taken_at <= m.taken_at
            ):
                newest[m.client_id] = m
        if not newest:
            return
        funds = {c: funds_from_rows(m.rows) for c, m in newest.items()}
        kept = await store_accounts.save_margins(
            self.pool,
            [(StoredMargins(c, m.report, funds[c], m.taken_at), m.rows) for c, m in newest.items()],
        )
        changed = [margin_changed(c, funds[c], m.caused()) for c, m in newest.items() if c in kept]
        if changed:
            await self.publisher.publish_many(PORTFOLIO_UPDATES, changed)

    async def on_broker_positions(self, messages: Sequence[Message]) -> None:
        snapshots: dict[str, list[BrokerPositionsSnapshot]] = defaultdict(list)
        for m in messages:
            if isinstance(m, BrokerPositionsSnapshot):
                snapshots[m.client_id].append(m)
        if not snapshots:
            return
        clients = sorted(snapshots)
        found: list[tuple[str, list[Drift]]] = []
        alerts: list[Message] = []
        async with self.pool.acquire() as conn, conn.transaction():
            ours = await store_accounts.held_quantities(conn, clients)
            compared, records = await store_accounts.drift_state(conn, clients)
            saved: dict[str, Reconciliation] = {}
            for client in clients:
                last = compared.get(client)
                current = records[client]
                for m in snapshots[client]:
                    if last is not None and m.taken_at <= last:
                        log.info("broker positions of %s taken %s: older than the last, ignored",
                                 client, m.taken_at.isoformat())  # fmt: skip
                        continue
                    drifts = find_drift(ours[client], m.positions)
                    current = next_drift(current, drifts, m.taken_at)
                    alerts += [drift_alert(m, r) for r in current.values()
                               if confirmed_now(r, self.drift_confirmations)]  # fmt: skip
                    last = m.taken_at
                    saved[client] = Reconciliation(m.taken_at, len(m.positions), len(drifts))
                    found.append((client, drifts))
                records[client] = current
            await store_accounts.save_drift(conn, {c: records[c].values() for c in saved}, saved)
        for client, drifts in found:
            for d in drifts:
                with bound(client_id=client):
                    log.warning(
                        "position drift: %s %s %s ours %d, broker %d",
                        d.exchange, d.token, d.product, d.ours, d.broker,
                    )  # fmt: skip
        if alerts:
            await self.publisher.publish_many(ALERTS, alerts)
        await self.refresh_drift_gauge()

    async def refresh_drift_gauge(self) -> None:
        DRIFT.set(await store_accounts.count_confirmed_drift(self.pool, self.drift_confirmations))

    async def _latest_quotes(
        self, instruments: set[tuple[Exchange, int]]
    ) -> dict[tuple[Exchange, int], Decimal]:
        """The latest quote of each instrument from Redis (`quote:{exchange}:{token}`)."""
        quotes = await latest_quotes(self.redis, sorted(instruments))
        return {key: quote.ltp for key, quote in quotes.items()}
