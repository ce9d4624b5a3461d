"""Applying fills to the stored positions: once per (client_id, trade_no), a batch at a time.

A Kafka batch of fills is applied in ONE transaction with four statements whatever its size:
which fills were applied before, the open positions of the keys involved (locked), the
changed positions (one upsert), the applied markers (one insert). The positions are worked
out in between by the pure book (`apply_fill`), fill after fill in the batch's order.

The applied trade number (the `fills` row) is written in the same transaction as the
position change, so a redelivered fill finds its row and changes nothing; the ids of the
positions it changed are kept on that row so a redelivery can re-announce them.
"""

from collections.abc import Mapping, Sequence
from dataclasses import dataclass, field
from decimal import Decimal

import asyncpg
from common.contracts.order_events import Fill
from common.enums import Exchange

from portfolio import store
from portfolio.book import ZERO, FillIn, Position, PositionKey, apply_fill
from portfolio.store import Held


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
    markers = [(e.client_id, e.trade_no) for e in events]
    fills = [fill_in(e) for e in events]
    async with pool.acquire() as conn, conn.transaction():
        seen = await store.applied_fills(conn, markers)
        keys = list(dict.fromkeys(f.key for f in fills if (f.client_id, f.trade_no) not in seen))
        held = await store.active_positions(conn, keys) if keys else {}
        active: dict[PositionKey, Position | None] = {k: h.position for k, h in held.items()}
        realized_before = {h.position.position_id: h.position.realized_pnl for h in held.values()}
        recorded: list[tuple[FillIn, str, tuple[str, ...]]] = []
        for event, fill in zip(events, fills, strict=True):
            marker = (fill.client_id, fill.trade_no)
            if marker in seen:
                batch.applied.append(Applied(event, tuple(seen[marker]), duplicate=True))
                continue
            changed = apply_fill(active.get(fill.key), fill)
            latest = changed[-1]
            active[fill.key] = latest if latest.net_quantity != 0 else None
            mark = prices.get((fill.exchange, fill.token), fill.price)
            for position in changed:
                batch.positions[position.position_id] = position
                batch.stored_prices[position.position_id] = mark
            ids = tuple(p.position_id for p in changed)
            seen[marker] = list(ids)  # the same trade again in this batch is a duplicate
            recorded.append((fill, event.event_id, ids))
            batch.applied.append(Applied(event, ids, duplicate=False))
        await store.save_positions(
            conn, [(p, batch.stored_prices[pid]) for pid, p in batch.positions.items()]
        )
        await store.record_fills(conn, recorded)
        again = {pid for a in batch.applied if a.duplicate for pid in a.position_ids}
        again -= batch.positions.keys()  # changed in this batch: announced with the batch
        if again:
            batch.announced_again = await store.positions_by_id(conn, sorted(again))
    for pid, position in batch.positions.items():
        client = position.key.client_id
        delta = position.realized_pnl - realized_before.get(pid, ZERO)
        batch.realized_delta[client] = batch.realized_delta.get(client, ZERO) + delta
    return batch
