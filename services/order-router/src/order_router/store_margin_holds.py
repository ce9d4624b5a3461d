"""Margin held by approved orders (table margin_holds): written with the orders, read by
risk under the client's lock (client_locks.py).

A hold counts while its order is alive and the client's margin report cannot show it
yet: the order was decided after the report was asked, or the broker has not acknowledged
it, or acknowledged it only after the report was asked (an order not at the broker when
the report was asked is not in it, however late the report arrives). A rejected,
canceled or expired order holds nothing; a denied one never had a hold.
"""

from collections.abc import Mapping
from datetime import datetime
from decimal import Decimal

import asyncpg
from common.db import Executor
from common.enums import OrderStatus

RELEASED = [OrderStatus.REJECTED, OrderStatus.CANCELED, OrderStatus.EXPIRED, OrderStatus.DENIED]
"""An order in one of these holds no margin."""
UNACKNOWLEDGED = [OrderStatus.PENDING, OrderStatus.SUBMITTED]
"""Not at the broker yet, so no margin report shows it, however new."""


async def held(conn: Executor, since: Mapping[str, datetime | None]) -> dict[str, Decimal]:
    """Per client, the margin its live orders hold beyond its report read at `since`."""
    if not since:
        return {}
    rows = await conn.fetch(
        """SELECT c.client_id, sum(h.amount) AS amount
           FROM unnest($1::text[], $2::timestamptz[]) AS c(client_id, since)
           JOIN margin_holds h ON h.client_id = c.client_id
           JOIN orders o ON o.order_id = h.order_id
           WHERE o.status <> ALL($3::text[])
             AND (c.since IS NULL OR h.held_at > c.since OR o.status = ANY($4::text[])
                  OR h.acked_at > c.since)
           GROUP BY c.client_id""",
        list(since),
        list(since.values()),
        [s.value for s in RELEASED],
        [s.value for s in UNACKNOWLEDGED],
    )
    return {r["client_id"]: r["amount"] for r in rows}


async def hold(conn: asyncpg.Connection, holds: Mapping[str, tuple[str, Decimal]]) -> None:
    """Record order id -> (client id, amount) in one statement (a repeat changes nothing)."""
    if not holds:
        return
    await conn.execute(
        """INSERT INTO margin_holds (order_id, client_id, amount)
           SELECT * FROM unnest($1::text[], $2::text[], $3::numeric[])
           ON CONFLICT (order_id) DO NOTHING""",
        list(holds),
        [client for client, _ in holds.values()],
        [amount for _, amount in holds.values()],
    )


async def acknowledged(conn: Executor, acks: Mapping[str, datetime]) -> None:
    """Record when each order's acknowledgment happened (order id -> its event's time); the
    first one stays."""
    if not acks:
        return
    await conn.execute(
        """UPDATE margin_holds h SET acked_at = a.at
           FROM unnest($1::text[], $2::timestamptz[]) AS a(order_id, at)
           WHERE h.order_id = a.order_id AND h.acked_at IS NULL""",
        list(acks),
        list(acks.values()),
    )
