"""Kafka handlers of the portfolio: thin, they call the ledger, the mapping and the store.

- orders.events.v1: fills become positions (other order events are not the portfolio's).
- marketdata.quotes.v1: open positions are re-marked; P&L updates are throttled.
- accounts.margins.v1: margin rows become funds figures (MarginChanged).
- accounts.positions.v1: the broker's positions are compared with ours (drift).
"""

import json
import logging
from collections import defaultdict
from collections.abc import Sequence
from decimal import Decimal

import asyncpg
from common.contracts.accounts import BrokerPositionsSnapshot, MarginSnapshot
from common.contracts.envelope import Message
from common.contracts.order_events import Fill
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.kafka import Publisher, bound
from common.topics import PORTFOLIO_UPDATES
from prometheus_client import Counter, Gauge
from redis.asyncio import Redis

from portfolio import store
from portfolio.drift import find_drift
from portfolio.ledger import apply_fills
from portfolio.margins import funds_from_rows
from portfolio.updates import UpdatePublisher
from portfolio.views import margin_changed

log = logging.getLogger(__name__)

FILLS_APPLIED = Counter("portfolio_fills_applied_total", "Fills applied to positions")
FILLS_DUPLICATE = Counter(
    "portfolio_fills_duplicate_total", "Fills seen again and ignored (same client and trade_no)"
)
DRIFT = Gauge(
    "portfolio_position_drift",
    "Positions (client, instrument, product) whose net quantity differs from the broker's "
    "in at least PORTFOLIO_DRIFT_CONFIRMATIONS snapshots in a row",
)


class PortfolioHandlers:
    def __init__(
        self,
        pool: asyncpg.Pool,
        redis: Redis,
        publisher: Publisher,
        updates: UpdatePublisher,
        drift_confirmations: int,
    ) -> None:
        self.pool = pool
        self.redis = redis
        self.publisher = publisher
        self.updates = updates
        self.drift_confirmations = drift_confirmations

    async def on_order_events(self, messages: Sequence[Message]) -> None:
        fills = [m for m in messages if isinstance(m, Fill)]
        if not fills:
            return
        prices = await self._latest_quotes(
            {(f.instrument.exchange, f.instrument.token) for f in fills}
        )
        applied = await apply_fills(self.pool, fills, prices)
        by_correlation: dict[str, list[str]] = defaultdict(list)
        causes: dict[str, Fill] = {}
        for result in applied:
            with bound(correlation_id=result.event.correlation_id, client_id=result.event.client_id,
                       order_id=result.event.order_id):  # fmt: skip
                if result.duplicate:
                    FILLS_DUPLICATE.inc()
                    log.info("fill %s seen again: ignored", result.event.trade_no)
                else:
                    FILLS_APPLIED.inc()
            by_correlation[result.event.correlation_id].extend(result.position_ids)
            causes[result.event.correlation_id] = result.event
        for correlation, ids in by_correlation.items():
            await self.updates.publish_now(ids, causes[correlation].caused())

    async def on_quotes(self, messages: Sequence[Message]) -> None:
        latest: dict[tuple[Exchange, int], Decimal] = {}
        for m in messages:
            if isinstance(m, Quote):
                latest[(m.exchange, m.token)] = m.ltp
        marked = await store.mark_prices(self.pool, [(e, t, p) for (e, t), p in latest.items()])
        self.updates.mark(marked)

    async def on_margins(self, messages: Sequence[Message]) -> None:
        for m in messages:
            if not isinstance(m, MarginSnapshot):
                continue
            funds = funds_from_rows(m.rows)
            kept = await store.save_margins(
                self.pool, m.client_id, m.report, funds, m.rows, m.taken_at
            )
            if kept:
                await self.publisher.publish(
                    PORTFOLIO_UPDATES, margin_changed(m.client_id, funds, m.caused())
                )

    async def on_broker_positions(self, messages: Sequence[Message]) -> None:
        for m in messages:
            if not isinstance(m, BrokerPositionsSnapshot):
                continue
            async with self.pool.acquire() as conn, conn.transaction():
                ours = await store.held_quantities(conn, m.client_id)
                drifts = find_drift(ours, m.positions)
                fresh = await store.replace_drift(
                    conn, m.client_id, drifts, m.taken_at, len(m.positions)
                )
            if not fresh:
                log.info("broker positions of %s taken %s: older than the last, ignored",
                         m.client_id, m.taken_at.isoformat())  # fmt: skip
                continue
            for d in drifts:
                with bound(client_id=m.client_id):
                    log.warning(
                        "position drift: %s %s %s ours %d, broker %d",
                        d.exchange, d.token, d.product, d.ours, d.broker,
                    )  # fmt: skip
        await self.refresh_drift_gauge()

    async def refresh_drift_gauge(self) -> None:
        DRIFT.set(await store.count_confirmed_drift(self.pool, self.drift_confirmations))

    async def _latest_quotes(
        self, instruments: set[tuple[Exchange, int]]
    ) -> dict[tuple[Exchange, int], Decimal]:
        """The latest quote of each instrument from Redis (`quote:{token}`), where present."""
        wanted = sorted(instruments)
        if not wanted:
            return {}
        raw = await self.redis.mget([f"quote:{token}" for _, token in wanted])
        prices = {}
        for (exchange, token), value in zip(wanted, raw, strict=True):
            if not value:
                continue
            try:
                quote = json.loads(value)
                if quote.get("exchange") == exchange.value:
                    prices[(exchange, token)] = Decimal(str(quote["ltp"]))
            except (ValueError, KeyError, TypeError):
                log.warning("unreadable quote in Redis for token %s", token)
        return prices
