"""Applying fills to the stored positions: once per trade, a batch at a time.

A trade is (client, exchange, trading date, trade number): exchanges number trades afresh
every session, so day two's T1 is a new fill, not day one's again.

A Kafka batch of fills is applied in ONE transaction with four statements whatever its size:
which fills were applied before, the open positions of the keys involved (locked), the
changed positions (one upsert), the applied markers (one insert). The positions are worked
out in between by the pure book (`apply_fill`), fill after fill in the batch's order.

The applied trade (the `fills` row) is written in the same transaction as the position
change, so a redelivered fill finds its row and changes nothing; the ids of the positions it
changed are kept on that row so a redelivery can re-announce them, and so is the realized
P&L it booked, to its trading date (today's realized P&L is the sum over today's fills).
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

import asyncpg
from common.contracts.order_events import Fill
from common.enums import Exchange

from portfolio import store_positions
from portfolio.book import ZERO, FillIn, Position, PositionKey, apply_fill, realized_by
from portfolio.store_positions import Held, RecordedFill


def fill_in(event: Fill) -> FillIn:
    return FillIn(
        client_id=event.client_id,
        trade_no=event.trade_no,
        order_id=event.order_id,
        exchange=event.instrument.exchange,
        token=event.instrument.token,
        symbol=event.instrument.symbol,
        trade_type=event.trade_type,
        side=event.side,
        quantity=event.quantity,
        price=event.price,
        traded_at=event.traded_at,
    )


@dataclass(frozen=True)
class Applied:
    event: Fill
    position_ids: tuple[str, ...]
    duplicate: bool


@dataclass
class AppliedBatch:
    """What a committed batch did, for the live book and the updates."""

    applied: list[Applied] = field(default_factory=list)
    """One per fill, in the batch's order."""
    positions: dict[str, Position] = field(default_factory=dict)
    """Final state of each position the batch changed, in the order first changed."""
    stored_prices: dict[str, Decimal | None] = field(default_factory=dict)
    """The last price written with each changed position."""
    realized_delta: dict[str, Decimal] = field(default_factory=dict)
    """Realized P&L the batch added, per client."""
    realized_by_day: dict[tuple[str, date], Decimal] = field(default_factory=dict)
    """The same, per client and the trading date it is booked to."""
    announced_again: list[Held] = field(default_factory=list)
    """Current state of the positions that duplicates had changed (to announce again)."""


async def apply_fills(
    pool: asyncpg.Pool,
    events: Sequence[Fill],
    last_prices: Mapping[tuple[Exchange, int], Decimal] | None = None,
) -> AppliedBatch:
    """Apply every fill not applied before; all of them commit together or none does.

    `last_prices` is stored with each changed position (the latest quote known); without
    one, the fill's own price is the last price known.
    """
    prices = last_prices or {}
    batch = AppliedBatch()
    if not events:
        return batch
    fills = [fill_in(e) for e in events]
    async with pool.acquire() as conn, conn.transaction():
        seen = await store_positions.applied_fills(conn, [f.marker for f in fills])
        keys = list(dict.fromkeys(f.key for f in fills if f.marker not in seen))
        held = await store_positions.active_positions(conn, keys) if keys else {}
        active: dict[PositionKey, Position | None] = {k: h.position for k, h in held.items()}
        recorded: list[RecordedFill] = []
        for event, fill in zip(events, fills, strict=True):
            marker = fill.marker
            if marker in seen:
                batch.applied.append(Applied(event, tuple(seen[marker]), duplicate=True))
                continue
            before = active.get(fill.key)
            changed = apply_fill(before, fill)
            realized = realized_by(before, changed)
            day = (fill.client_id, fill.trading_date)
            batch.realized_by_day[day] = batch.realized_by_day.get(day, ZERO) + realized
            client = fill.client_id
            batch.realized_delta[client] = batch.realized_delta.get(client, ZERO) + realized
            latest = changed[-1]
            active[fill.key] = latest if latest.net_quantity != 0 else None
            mark = prices.get((fill.exchange, fill.token), fill.price)
            for position in changed:
                batch.positions[position.position_id] = position
                batch.stored_prices[position.position_id] = mark
            ids = tuple(p.position_id for p in changed)
            seen[marker] = list(ids)  # the same trade again in this batch is a duplicate
            recorded.append(RecordedFill(fill, event.event_id, ids, realized))
            batch.applied.append(Applied(event, ids, duplicate=False))
        await store_positions.save_positions(
            conn, [(p, batch.stored_prices[pid]) for pid, p in batch.positions.items()]
        )
        await store_positions.record_fills(conn, recorded)
        again = {pid for a in batch.applied if a.duplicate for pid in a.position_ids}
        again -= batch.positions.keys()  # changed in this batch: announced with the batch
        if again:
            batch.announced_again = await store_positions.positions_by_id(conn, sorted(again))
    return batch
