"""Fills leave through an outbox: claimed with their event, committed, then published.

A trade is claimed in `emitted_trades` together with the event that reports it, in one
transaction per round (group-committed across clients); only then is the event published,
and after that marked published. A trade is (client, exchange, trading date, trade number)
of one order: exchanges number trades afresh every session, so yesterday's number 1 is
another trade. So a fill is reported once even with two replicas reading the same books,
a crash between commit and publish is repaired at start-up (`republish`), and no produce
ever runs inside a transaction.
"""

import asyncio
import logging
from collections.abc import Sequence

import asyncpg
from common.contracts.order_events import Fill, OrderFilled
from common.topics import ORDER_EVENTS
from common.trading_days import trading_date

from broker_adapter.execution import store_intents as store
from broker_adapter.execution.emitter import Emitter
from broker_adapter.execution.group_commit import GroupCommit
from broker_adapter.execution.store_intents import FillClaim, FillKey

log = logging.getLogger(__name__)
_MAX_BACKOFF_S = 5.0


class FillOutbox:
    def __init__(self, pool: asyncpg.Pool, emitter: Emitter) -> None:
        self._pool = pool
        self._emitter = emitter
        self._rounds: GroupCommit[tuple[FillClaim, Fill], bool] = GroupCommit(self._round)

    async def report(self, fill: Fill) -> bool:
        """Reports the fill unless reported before (then False)."""
        claim = FillClaim(
            client_id=fill.client_id,
            exchange=fill.instrument.exchange.value,
            # the trade's own session (the portfolio and router key fills the same way)
            trading_date=trading_date(fill.traded_at),
            trade_no=fill.trade_no,
            order_id=fill.order_id,
            quantity=fill.quantity,
            filled_quantity=fill.filled_quantity,
            complete=isinstance(fill, OrderFilled),
            event=fill.model_dump_json(),
        )
        return await self._rounds.submit((claim, fill))

    async def republish(self) -> int:
        """Publishes the claims a crash left unpublished (at start-up); answers how many."""
        rows = await store.unpublished_fills(self._pool)
        if rows:
            events = [e for _, raw in rows if isinstance(e := ORDER_EVENTS.parse(raw), Fill)]
            await self._publish(events, [key for key, _ in rows])
            log.warning("published %d fills a crash had left unpublished", len(rows))
        return len(rows)

    async def _round(self, items: Sequence[tuple[FillClaim, Fill]]) -> Sequence[bool]:
        new = await store.claim_fills(self._pool, [claim for claim, _ in items])
        claimed = [(claim, fill) for (claim, fill), ok in zip(items, new, strict=True) if ok]
        if claimed:
            await self._publish([fill for _, fill in claimed], [c.key for c, _ in claimed])
        return new

    async def _publish(self, fills: Sequence[Fill], keys: Sequence[FillKey]) -> None:
        # The claims are committed: publishing must not give up, or the fills would be lost
        # until the next start. An outage of Kafka is waited out.
        backoff = 0.2
        while True:
            try:
                await self._emitter.emit_many(fills)
                break
            except Exception as error:
                log.warning("publishing %d fills failed (%r); retrying", len(fills), error)
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF_S)
        await store.mark_published(self._pool, keys)
