"""Watching each scope's day MTM against its limits, on live P&L.

The portfolio marks every client's P&L on each quote and publishes it on
portfolio.updates.v1 (`pnl.changed`, conflated per client to at most one a second). This
watch reads those figures (its own consumer group per process, from the latest offset, so
every replica sees every client, as a group's members may sit on any partition), keeps the
day MTM (realized today + unrealized) of the clients a limit watches, and checks the scopes
the client belongs to. Other clients' figures are skipped unparsed (`wants`): 1,000 clients
on a ticking market are 1,000 messages a second, and a desk limits a few of them. A client
is watched from its first figure after its limit is set (within a second while its prices
move).
A scope whose limit is hit fires once per trading date (`risk_triggers`: whichever replica
records it first): it publishes a `FlattenRequested`, which the intake turns into blocks,
cancels, exits and an alert.

Limits are re-read from PostgreSQL every `refresh_seconds` (any replica's PUT), by a loop:
a replica that watches no one reads no figures to hang the re-read on.
"""

import asyncio
import logging
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime

import asyncpg
from common.contracts.envelope import Message, utc_now
from common.contracts.portfolio import PnlChanged
from common.contracts.requests import FlattenRequested
from common.kafka import Publisher
from common.trading_days import trading_date

from order_router import store_risk
from order_router.flatten import fire_flatten, flatten_ids
from order_router.mtm import MtmBoard, MtmLimits, scopes_of, watched_clients
from order_router.risk import Rule

log = logging.getLogger(__name__)

ACTOR = "order-router:mtm-limit"
PNL_CHANGED: str = PnlChanged.model_fields["type"].default


def limits_of(row: asyncpg.Record) -> MtmLimits:
    return MtmLimits(
        row["scope"],
        row["mtm_stop_loss"],
        row["mtm_target"],
        row["mtm_trailing_stop"],
        tuple(row["members"] or ()),
    )


@dataclass(eq=False)
class MtmWatch:
    pool: asyncpg.Pool
    publisher: Publisher
    refresh_seconds: float
    clock: Callable[[], datetime] = utc_now
    board: MtmBoard = field(init=False, default_factory=MtmBoard)
    limits: dict[str, MtmLimits] = field(init=False, default_factory=dict)
    _watched: frozenset[str] = field(init=False, default=frozenset())
    _fired: set[str] = field(init=False, default_factory=set)

    async def reload(self) -> None:
        rows = await store_risk.all_limits(self.pool)
        self._set_limits({r["scope"]: limits_of(r) for r in rows})

    async def reload_forever(self) -> None:
        """Re-read the limits every `refresh_seconds` (a runtime background loop)."""
        while True:
            await asyncio.sleep(self.refresh_seconds)
            await self.reload()

    def put_limits(self, limits: MtmLimits) -> None:
        """A PUT on this replica: watched from the next figure on."""
        self._set_limits({**self.limits, limits.scope: limits})

    def _set_limits(self, limits: dict[str, MtmLimits]) -> None:
        self.limits = limits
        self._watched = watched_clients(limits.values())

    def wants(self, event_type: str, client_id: str) -> bool:
        """Whether a portfolio.updates.v1 record is worth parsing: a watched client's P&L."""
        return event_type == PNL_CHANGED and client_id in self._watched

    async def on_pnl(self, messages: Sequence[Message]) -> None:
        day = trading_date(self.clock())
        if self.board.day != day:
            self.board.start_day(day)
            self._fired = await store_risk.fired_on(self.pool, day, Rule.MTM_LIMIT)
        moved = []
        for m in messages:
            if not isinstance(m, PnlChanged):
                continue
            if m.trading_date is not None and m.trading_date != day:
                continue  # yesterday's figure, published before the portfolio's day moved
            self.board.put(m.client_id, m.realized_pnl_today + m.unrealized_pnl)
            moved.append(m.client_id)
        for limits in scopes_of(moved, self.limits):
            if limits.scope in self._fired:
                continue
            mtm, _peak, hit = self.board.check(limits)
            if hit is not None:
                await self._fire(limits, hit, mtm)

    async def _fire(self, limits: MtmLimits, reason: str, mtm: object) -> None:
        day = self.board.day
        assert day is not None
        self._fired.add(limits.scope)
        if not limits.clients:
            return
        request = FlattenRequested(
            **flatten_ids("mtm", limits.scope, day, ACTOR),
            rule="mtm_limit",
            scope=limits.scope,
            client_ids=limits.clients,
            trading_date=day,
            reason=reason,
        )
        if await fire_flatten(self.pool, self.publisher, limits.scope, request):
            log.warning("%s (day MTM %s): flattening %s", reason, mtm, ", ".join(limits.clients))

    def figures(self, limits: MtmLimits) -> dict[str, object]:
        """The scope's day MTM and peak now (for the limits view)."""
        return {
            "mtm": str(self.board.mtm(limits.clients)),
            "peak": str(self.board.peak(limits.scope)),
            "triggered": limits.scope in self._fired,
        }
