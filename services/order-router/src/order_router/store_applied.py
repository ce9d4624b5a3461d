"""The router's SQL for what its event consumer has applied (event ids and fills), so a
redelivered event or a fill reported twice changes nothing."""

from collections.abc import Sequence
from dataclasses import dataclass
from datetime import date

import asyncpg
from common.contracts.order_events import Fill


@dataclass(frozen=True)
class Claimed:
    """What a batch of events has that was not applied before."""

    event_ids: set[str]
    fills: set[tuple[str, str, date, str]]  # Fill.trade_key


async def claim(
    conn: asyncpg.Connection, event_ids: Sequence[str], fills: Sequence[Fill]
) -> Claimed:
    """Record event ids and fills (by `Fill.trade_key`: client, exchange, trading date and
    broker trade number) as applied, in ONE statement; returns those not recorded before."""
    keys = [f.trade_key for f in fills]
    rows = await conn.fetch(
        """WITH events AS (
               INSERT INTO applied_events (event_id) SELECT unnest($1::text[])
               ON CONFLICT DO NOTHING RETURNING event_id),
           fills AS (
               INSERT INTO fills (client_id, exchange, trading_date, trade_no, order_id,
                                  quantity, price, traded_at)
               SELECT * FROM unnest($2::text[], $3::text[], $4::date[], $5::text[],
                                    $6::text[], $7::integer[], $8::numeric[],
                                    $9::timestamptz[])
               ON CONFLICT DO NOTHING
               RETURNING client_id, exchange, trading_date, trade_no)
           SELECT event_id, NULL AS client_id, NULL AS exchange, NULL::date AS trading_date,
                  NULL AS trade_no FROM events
           UNION ALL SELECT NULL, client_id, exchange, trading_date, trade_no FROM fills""",
        list(event_ids),
        [k[0] for k in keys],
        [k[1] for k in keys],
        [k[2] for k in keys],
        [k[3] for k in keys],
        [f.order_id for f in fills],
        [f.quantity for f in fills],
        [f.price for f in fills],
        [f.traded_at for f in fills],
    )
    return Claimed(
        {r["event_id"] for r in rows if r["event_id"] is not None},
        {
            (r["client_id"], r["exchange"], r["trading_date"], r["trade_no"])
            for r in rows
            if r["event_id"] is None
        },
    )
