"""Flattening a scope when an MTM limit is hit or the square-off time comes.

A `FlattenRequested` (orders.requests.v1, from this service's MTM watch or square-off pass)
is handled by the intake like any request; for each client it names:
1. a block is stored: the client's new orders (of the trade type, on the exchanges) are
   denied for the rest of the trading date with the request's rule, until an admin lifts it;
2. its working orders of that kind are canceled (PENDING_CANCEL and a cancel command);
3. each open position of that kind is closed by an EXIT order, asked for as an exit-by-token
   request on orders.requests.v1, so the exit is placed, risk-checked and followed to its end
   like any other order (and shows in the batch views);
4. one alert says what was done (alerts.v1).
Every id is derived from the request, so a redelivered request repeats nothing.
"""

import asyncio
import logging
from collections.abc import Sequence
from datetime import date
from typing import Any

import asyncpg
import httpx
from common.contracts.alerts import AlertKind, AlertRaised, AlertSeverity
from common.contracts.envelope import Message
from common.contracts.requests import ClientOrder, ExitByTokenRequested, FlattenRequested
from common.enums import Exchange, PositionStatus, TradeType
from common.kafka import Publisher
from common.topics import ALERTS, ORDER_COMMANDS, ORDER_REQUESTS

from order_router import client_locks, store_orders, store_risk
from order_router.messages import cancel_command, derived_id
from order_router.orders import Order, cancels_asked
from order_router.risk import Rule

log = logging.getLogger(__name__)


def flatten_ids(id_prefix: str, fired: str, day: date, actor: str) -> dict[str, str]:
    """The envelope and batch id of a fired rule's flatten request, derived from (id_prefix,
    fired, day): a repeat of the same firing is a no-op downstream."""
    batch_id = derived_id(id_prefix, fired, day.isoformat())
    return {"event_id": batch_id, "correlation_id": batch_id, "actor": actor, "batch_id": batch_id}


async def fire_flatten(
    pool: asyncpg.Pool, publisher: Publisher, fired: str, request: FlattenRequested
) -> bool:
    """Record the request's rule firing for `fired` (its scope key) on its trading date and
    publish the request; False, publishing nothing, when it had fired already (here, or on
    another replica first)."""
    if not await store_risk.fire(pool, fired, request.rule, request.trading_date, request.reason):
        return False
    await publisher.publish(ORDER_REQUESTS, request)
    return True


Held = tuple[str, int, Exchange, TradeType]  # client, token, exchange, trade type


class Flattener:
    def __init__(
        self,
        pool: asyncpg.Pool,
        publisher: Publisher,
        portfolio: httpx.AsyncClient,
    ) -> None:
        self.pool = pool
        self.publisher = publisher
        self.portfolio = portfolio

    async def handle(self, m: FlattenRequested) -> None:
        await store_risk.add_blocks(
            self.pool,
            [
                store_risk.BlockRow(
                    client_id,
                    m.rule,
                    m.trading_date,
                    exchange,
                    m.trade_type.value if m.trade_type else None,
                    m.scope,
                    m.reason,
                )
                for client_id in m.client_ids
                for exchange in ([e.value for e in m.exchanges] or [""])
            ],
        )
        canceled = await self._cancel_working(m)
        held = await self._open_positions(m)
        exits = exit_requests(m, held)
        if exits:
            await self.publisher.publish_many(ORDER_REQUESTS, exits)
        if m.rule == Rule.MTM_LIMIT or held or canceled:  # a square-off of nothing is quiet
            await self.publisher.publish(ALERTS, flatten_alert(m, len(held), canceled))
        log.warning(
            "%s for %s: %d exits asked, %d working orders canceled (%s)",
            m.rule, m.scope, len(held), canceled, m.reason,
        )  # fmt: skip

    async def _cancel_working(self, m: FlattenRequested) -> int:
        # under the clients' locks (client_locks.py): orders another replica is deciding
        # for them are stored and sent first, then found here
        async with (
            client_locks.clients_locked(self.pool, m.client_ids),
            self.pool.acquire() as conn,
            conn.transaction(),
        ):
            working = []
            for client_id in m.client_ids:
                working.extend(await store_orders.working_orders(conn, client_id))
            changed, refusals = cancels_asked(o for o in working if _covered(o, m))
            for order, refused in refusals:
                log.warning("%s could not cancel %s: %s", m.rule, order.order_id, refused)
            await store_orders.update_orders(conn, changed)
        if changed:
            await self.publisher.publish_many(
                ORDER_COMMANDS, [cancel_command(o, m) for o in changed]
            )
        return len(changed)

    async def _open_positions(self, m: FlattenRequested) -> list[Held]:
        gate = asyncio.Semaphore(16)

        async def one(client_id: str) -> list[Held]:
            params: dict[str, Any] = {
                "client_id": client_id,
                "status": PositionStatus.ACTIVE.value,
            }
            if m.trade_type is not None:
                params["trade_type"] = m.trade_type.value
            async with gate:
                response = await self.portfolio.get("/internal/positions", params=params)
            response.raise_for_status()
            return [
                (client_id, int(p["token"]), Exchange(p["exchange"]), TradeType(p["trade_type"]))
                for p in response.json()
                if int(p["net_quantity"]) != 0
                and (not m.exchanges or Exchange(p["exchange"]) in m.exchanges)
            ]

        found = await asyncio.gather(*(one(c) for c in m.client_ids))
        return sorted({h for rows in found for h in rows})


def _covered(order: Order, m: FlattenRequested) -> bool:
    if m.trade_type is not None and order.trade_type is not m.trade_type:
        return False
    return not m.exchanges or order.instrument.exchange in m.exchanges


def exit_requests(m: FlattenRequested, held: Sequence[Held]) -> list[Message]:
    """One exit-by-token request per instrument, one EXIT per client and trade type."""
    by_instrument: dict[tuple[int, Exchange], list[ClientOrder]] = {}
    for client_id, token, exchange, trade_type in sorted(held):
        order_id = derived_id(m.batch_id, client_id, str(token), exchange, trade_type)
        by_instrument.setdefault((token, exchange), []).append(
            ClientOrder(order_id=order_id, client_id=client_id, trade_type=trade_type)
        )
    return [
        ExitByTokenRequested(
            **m.caused(),
            event_id=derived_id(m.batch_id, "exit", str(token), exchange),
            batch_id=derived_id(m.batch_id, str(token), exchange),
            token_id=token,
            exchange=exchange,
            trade_type=None,
            orders=tuple(orders),
        )
        for (token, exchange), orders in sorted(by_instrument.items())
    ]


def flatten_alert(m: FlattenRequested, exits: int, canceled: int) -> AlertRaised:
    mtm = m.rule == Rule.MTM_LIMIT
    single = m.client_ids[0] if len(m.client_ids) == 1 else None
    what = "every" if m.trade_type is None else f"{m.trade_type}"
    return AlertRaised(
        **m.caused(),
        event_id=derived_id(m.batch_id, "alert"),
        kind=AlertKind.MTM_LIMIT if mtm else AlertKind.SQUARE_OFF,
        severity=AlertSeverity.CRITICAL if mtm else AlertSeverity.WARNING,
        scope=m.scope,
        client_id=single,
        client_ids=m.client_ids,
        title=m.reason.split(":")[0] if mtm else f"Square-off of {m.scope}",
        detail=(
            f"{m.reason}. {exits} {what} position(s) being exited, {canceled} working "
            f"order(s) canceled; new {what.lower()} orders are denied ({m.rule}) for the rest "
            f"of {m.trading_date} unless an admin lifts the block."
        ),
    )
