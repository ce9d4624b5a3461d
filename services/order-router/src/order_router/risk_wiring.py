"""Wiring of risk automation in the order-router: MTM limits, the timed square-off, alerts.

`RiskAutomation` owns the parts (MTM watch, square-off pass, flattener, alert raiser);
`install` registers their consumers and the square-off loop before start, `start` builds
them once the pool and Kafka are open, and the intake calls `guard` and `flatten`.
"""

import time as monotonic
from collections.abc import Collection, Sequence
from datetime import datetime

import asyncpg
import httpx
from common.consumers import of_types
from common.contracts.accounts import SessionChanged
from common.contracts.envelope import Message, utc_now
from common.contracts.order_events import OrderRejected
from common.contracts.requests import FlattenRequested, KillSwitchRequested
from common.db import Executor
from common.service import ServiceRuntime
from common.settings import GATHER_OFF_THE_ORDER_PATH_MS
from common.topics import ORDER_EVENTS, ORDER_REQUESTS, PORTFOLIO_UPDATES, SESSIONS
from common.trading_days import trading_date

from order_router.accounts import AccountBook
from order_router.alert_raiser import AlertRaiser
from order_router.config import OrderRouterSettings
from order_router.flatten import Flattener
from order_router.mtm_watch import MtmWatch
from order_router.orders import Order
from order_router.risk import Decision
from order_router.risk_blocks import Blocks, active_blocks_of, deny
from order_router.square_off import SquareOffTimes, parse_times
from order_router.square_off_pass import SquareOffPass


class RiskAutomation:
    pool: asyncpg.Pool
    mtm: MtmWatch
    square_off: SquareOffPass
    flattener: Flattener
    raiser: AlertRaiser

    def __init__(self, settings: OrderRouterSettings) -> None:
        self.settings = settings
        self.per_exchange = SquareOffTimes(parse_times(settings.square_off_times))
        self.enforced = (
            settings.market_hours_enforced
            if settings.square_off_enforced is None
            else settings.square_off_enforced
        )
        self._times = self.per_exchange
        self._times_read_at = float("-inf")

    def install(self, runtime: ServiceRuntime) -> None:
        # every replica reads every watched client's P&L (a group's members sit on any
        # partition); the others' are skipped unparsed. P&L is off the order's way to the
        # broker and conflated to a second: a window's messages wake this watch once.
        runtime.follow(
            PORTFOLIO_UPDATES,
            self._on_pnl,
            wants=self._wants_pnl,
            gather_ms=GATHER_OFF_THE_ORDER_PATH_MS,
        )
        runtime.background(self._reload_limits_loop)
        for topic, kind in (
            (ORDER_EVENTS, OrderRejected),
            (SESSIONS, SessionChanged),
            (ORDER_REQUESTS, KillSwitchRequested),
        ):
            # in the service's own group: the member that already reads these topics
            runtime.consume(topic, self._on_alertable, wants=of_types(kind))
        if self.enforced:
            runtime.background(self._square_off_loop)

    async def start(
        self, runtime: ServiceRuntime, book: AccountBook, portfolio: httpx.AsyncClient
    ) -> None:
        refresh = self.settings.risk_refresh_seconds
        self.pool = runtime.pool
        self.mtm = MtmWatch(runtime.pool, runtime.publisher, refresh)
        self.square_off = SquareOffPass(
            runtime.pool, runtime.publisher, book, self.per_exchange,
            self.settings.square_off_check_seconds,
        )  # fmt: skip
        self.flattener = Flattener(runtime.pool, runtime.publisher, portfolio)
        self.raiser = AlertRaiser(runtime.publisher)
        await self.mtm.reload()

    # --- the intake's hooks ------------------------------------------------------------

    async def refresh(self) -> None:
        """The square-off times (when enforced), fresh within `risk_refresh_seconds`: the
        intake calls it once per batch of requests."""
        if not self.enforced:
            return
        if monotonic.monotonic() - self._times_read_at >= self.settings.risk_refresh_seconds:
            self._times = await self.square_off.times()
            self._times_read_at = monotonic.monotonic()

    async def blocks_of(self, conn: Executor, client_ids: Collection[str]) -> Blocks:
        """Today's blocks of the clients about to be decided, read now (a decision reads them
        under the clients' locks: another replica may have flattened or lifted one a moment
        ago). Passed to `deny`, never kept: concurrent decisions each have their own."""
        return await active_blocks_of(conn, client_ids, trading_date(utc_now()))

    def deny(self, order: Order, blocks: Blocks, now: datetime | None = None) -> Decision | None:
        """The block or square-off denial of a new order."""
        times = self._times if self.enforced else None
        return deny(order, blocks.get(order.client_id, ()), times, now or utc_now())

    async def flatten(self, m: FlattenRequested) -> None:
        await self.flattener.handle(m)

    # --- consumers and the loop -------------------------------------------------------

    def _wants_pnl(self, event_type: str, client_id: str) -> bool:
        return self.mtm.wants(event_type, client_id)  # consumers start after `start`

    async def _on_pnl(self, messages: Sequence[Message]) -> None:
        await self.mtm.on_pnl(messages)

    async def _reload_limits_loop(self) -> None:
        await self.mtm.reload_forever()

    async def _on_alertable(self, messages: Sequence[Message]) -> None:
        await self.raiser.handle(messages)

    async def _square_off_loop(self) -> None:
        await self.square_off.run()
