"""The day's blocks left by MTM limits and the square-off, and the denials they make.

A block denies a client's new orders for the rest of a trading date (rule `mtm_limit`, or
`square_off_time` for INTRADAY orders on one exchange) until an admin lifts it. EXIT orders
always pass: a blocked client may still be closed out, by the platform or by an operator.
When the square-off clock is enforced, an INTRADAY order after the client's square-off time
is denied even before the square-off pass has left a block (the pass may still be running).

`deny` is pure; `active_blocks_of` reads the blocks of the clients being decided, under
their locks, before every decision (any replica may have added or lifted one), so no copy
of every client's blocks is kept or refreshed.
"""

from collections.abc import Collection, Iterable, Mapping
from dataclasses import dataclass
from datetime import date, datetime
from typing import Any

from common.db import Executor
from common.enums import ExecutionType, TradeType

from order_router import store_risk
from order_router.orders import Order
from order_router.risk import Decision, Rule
from order_router.square_off import SquareOffTimes


@dataclass(frozen=True)
class Block:
    client_id: str
    rule: str
    trading_date: date
    exchange: str  # '' = every exchange
    trade_type: TradeType | None
    scope: str
    reason: str

    def covers(self, order: Order) -> bool:
        if self.trade_type is not None and order.trade_type is not self.trade_type:
            return False
        return not self.exchange or self.exchange == order.instrument.exchange


def deny(
    order: Order,
    blocks: Iterable[Block],
    square_off: SquareOffTimes | None,
    now: datetime,
) -> Decision | None:
    """The denial of a new order by a block or the square-off clock; None: it may go."""
    if order.execution_type is ExecutionType.EXIT:
        return None
    for block in blocks:
        if block.client_id == order.client_id and block.covers(order):
            return Decision(rule=block.rule, reason=block.reason)
    if square_off is not None and order.trade_type is TradeType.INTRADAY and not order.amo:
        exchange = order.instrument.exchange
        if square_off.due(order.client_id, exchange, now):
            return Decision(
                rule=Rule.SQUARE_OFF_TIME, reason=square_off.reason(order.client_id, exchange)
            )
    return None


Blocks = Mapping[str, list[Block]]
"""Active blocks by client id."""


async def active_blocks_of(conn: Executor, client_ids: Collection[str], day: date) -> Blocks:
    """These clients' active blocks of `day`, read now. Called under the clients' locks
    before deciding them: a block another replica added a moment ago (a flatten adds its
    blocks before it takes the same locks) or lifted is seen at once."""
    by_client: dict[str, list[Block]] = {}
    for row in await store_risk.blocks_of(conn, list(client_ids), day):
        if row["lifted_at"] is None:
            by_client.setdefault(row["client_id"], []).append(_block(row))
    return by_client


def _block(row: Mapping[str, Any]) -> Block:
    return Block(
        row["client_id"],
        row["rule"],
        row["trading_date"],
        row["exchange"],
        TradeType(row["trade_type"]) if row["trade_type"] else None,
        row["scope"],
        row["reason"],
    )
