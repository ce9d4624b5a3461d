"""The timed square-off: at each client's square-off time, flatten its INTRADAY book.

A background loop looks every `check_seconds` (on the injectable `clock`). For every client
allowed INTRADAY, on every exchange it trades whose square-off time (square_off.py) has come
today, it fires once per trading date (`risk_triggers`, scope `client@exchange`) and
publishes a `FlattenRequested` for that client, INTRADAY, on that exchange; the intake then
blocks, cancels and exits as for an MTM limit. `run_at` is the same pass at a given moment
and for given clients: the internal API uses it to square off now, and tests to simulate
a time of day.
"""

import asyncio
import logging
from collections.abc import Callable, Iterable
from dataclasses import dataclass
from datetime import date, datetime

import asyncpg
from common.contracts.envelope import utc_now
from common.contracts.requests import FlattenRequested
from common.enums import Exchange, TradeType
from common.kafka import Publisher
from common.trading_days import trading_date

from order_router import store_risk
from order_router.accounts import AccountBook
from order_router.flatten import fire_flatten, flatten_ids
from order_router.risk import ClientState
from order_router.square_off import SquareOffTimes

log = logging.getLogger(__name__)

ACTOR = "order-router:square-off"


@dataclass(eq=False)
class SquareOffPass:
    pool: asyncpg.Pool
    publisher: Publisher
    book: AccountBook
    per_exchange: SquareOffTimes
    check_seconds: float
    clock: Callable[[], datetime] = utc_now

    async def times(self) -> SquareOffTimes:
        """The segment times with every client's own time (scope_limits) over them."""
        rows = await store_risk.all_limits(self.pool)
        own = {r["scope"]: r["square_off_time"] for r in rows if r["square_off_time"]}
        return SquareOffTimes(self.per_exchange.per_exchange, own)

    async def run(self) -> None:
        while True:
            try:
                await self.run_at(self.clock())
            except (OSError, asyncpg.PostgresError) as error:
                log.warning(
                    "square-off pass failed, next try in %ss: %s", self.check_seconds, error
                )
            await asyncio.sleep(self.check_seconds)

    async def run_at(self, now: datetime, client_ids: Iterable[str] | None = None) -> list[str]:
        """Square off what is due at `now`; returns the `client@exchange` scopes fired."""
        times = await self.times()
        day = trading_date(now)
        clients: list[ClientState] = [d.value for d in self.book.clients.values()]
        if client_ids is not None:
            wanted = set(client_ids)
            clients = [c for c in clients if c.client_id in wanted]
        fired = []
        for client in sorted(clients, key=lambda c: c.client_id):
            if TradeType.INTRADAY not in client.trade_types:
                continue
            for exchange in sorted(client.exchanges):
                due = times.due(client.client_id, exchange, now)
                if due and await self._fire(client.client_id, exchange, day, times):
                    fired.append(f"{client.client_id}@{exchange}")
        return fired

    async def _fire(
        self, client_id: str, exchange: Exchange, day: date, times: SquareOffTimes
    ) -> bool:
        scope = f"{client_id}@{exchange}"
        reason = times.reason(client_id, exchange)
        request = FlattenRequested(
            **flatten_ids("square-off", scope, day, ACTOR),
            rule="square_off_time",
            scope=client_id,
            client_ids=(client_id,),
            trade_type=TradeType.INTRADAY,
            exchanges=(exchange,),
            trading_date=day,
            reason=reason,
        )
        return await fire_flatten(self.pool, self.publisher, scope, request)
