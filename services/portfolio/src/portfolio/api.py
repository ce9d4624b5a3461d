"""The portfolio's internal read API (the gateway and the order-router call it).

Positions, fills and margins are read from PostgreSQL; an open position's last price (and
so its unrealized P&L) is the live book's latest quote of its instrument, which ticks keep
in memory only (PostgreSQL holds the price known at the position's last fill).
"""

from collections.abc import Callable
from datetime import date, datetime
from typing import Annotated, Any

import asyncpg
from common.contracts.envelope import Contract
from common.contracts.instruments import TOKEN_MAX
from common.enums import Exchange, PositionStatus, TradeType
from fastapi import APIRouter, Depends, HTTPException, Path, Query
from pydantic import Field

from portfolio import store_accounts, store_positions
from portfolio.live import LiveBook
from portfolio.store_positions import Held
from portfolio.views import (
    ClientSummary,
    FundsOut,
    HolderOut,
    PositionOut,
    funds_out,
    holder_out,
    pnl_by_client,
    position_out,
)


class FillOut(Contract):
    client_id: str
    trade_no: str
    order_id: str
    exchange: Exchange
    token: int
    symbol: str
    trade_type: TradeType
    side: str
    quantity: int
    price: str
    traded_at: datetime
    position_ids: list[str]
    trading_date: date
    realized_pnl: str = Field(description="realized P&L this fill booked to its trading date")


class DriftOut(Contract):
    client_id: str
    exchange: Exchange
    token: int
    product: str
    trade_type: TradeType | None
    ours: int
    broker: int
    snapshots_seen: int
    confirmed: bool
    first_seen_at: datetime
    last_seen_at: datetime


def _client_ids(raw: str | None) -> list[str] | None:
    if raw is None:
        return None
    return [c for c in (part.strip() for part in raw.split(",")) if c]


def build_router(
    pool: Callable[[], asyncpg.Pool], book: LiveBook, list_limit: int, drift_confirmations: int
) -> APIRouter:
    router = APIRouter(prefix="/internal", tags=["internal"])

    def marked(held: Held) -> Held:
        """The stored position at the latest price seen for its instrument."""
        p = held.position
        if p.net_quantity == 0:
            return held
        mark = book.last_price((p.key.exchange, p.key.token))
        return held if mark is None else Held(p, mark)

    def db() -> asyncpg.Pool:
        return pool()

    Db = Annotated[asyncpg.Pool, Depends(db)]

    @router.get("/positions", summary="Positions (trades) matching every filter, newest first")
    async def positions(
        db: Db,
        client_id: str | None = None,
        token: Annotated[int | None, Query(gt=0, le=TOKEN_MAX)] = None,
        exchange: Exchange | None = None,
        trade_type: TradeType | None = None,
        status: PositionStatus | None = None,
        limit: Annotated[int | None, Query(gt=0)] = None,
    ) -> list[PositionOut]:
        found = await store_positions.find_positions(
            db,
            client_id=client_id,
            token=token,
            exchange=exchange,
            trade_type=trade_type,
            status=status,
            limit=min(limit or list_limit, list_limit),
        )
        return [position_out(marked(h)) for h in found]

    @router.get("/positions/{position_id}", summary="One position (trade) by its id")
    async def position(position_id: str, db: Db) -> PositionOut:
        found = await store_positions.positions_by_id(db, [position_id])
        if not found:
            raise HTTPException(404, f"position_id {position_id} is not a known position")
        return position_out(marked(found[0]))

    async def _summaries(db: asyncpg.Pool, client_ids: list[str]) -> list[ClientSummary]:
        margins = await store_accounts.margins_of(db, client_ids)
        realized = await store_positions.realized_by_client(db, client_ids)
        day = book.day()
        today = await store_positions.realized_on(db, client_ids, day)
        active = [marked(h) for h in await store_positions.active_by_clients(db, client_ids)]
        pnl = pnl_by_client(realized, today, day, active, client_ids)
        open_count: dict[str, int] = {}
        for held in active:
            cid = held.position.key.client_id
            open_count[cid] = open_count.get(cid, 0) + 1
        return [
            ClientSummary(
                client_id=c,
                funds=funds_out(margins[c]) if c in margins else None,
                pnl=pnl[c],
                open_positions=open_count.get(c, 0),
            )
            for c in client_ids
        ]

    @router.get("/clients/{client_id}/summary", summary="Funds, margins and P&L of one client")
    async def summary(client_id: str, db: Db) -> ClientSummary:
        (found,) = await _summaries(db, [client_id])
        return found

    @router.get("/summaries", summary="Funds, margins and P&L of many clients")
    async def summaries(
        db: Db, client_ids: Annotated[str, Query(description="comma-separated client ids")]
    ) -> list[ClientSummary]:
        ids = _client_ids(client_ids) or []
        return await _summaries(db, ids)

    @router.get("/margins/{client_id}", summary="Latest margin figures (for pre-trade checks)")
    async def margins(client_id: str, db: Db) -> FundsOut:
        found = await store_accounts.margins_of(db, [client_id])
        if client_id not in found:
            raise HTTPException(404, f"no margin snapshot for client_id {client_id} yet")
        return funds_out(found[client_id])

    @router.get("/holders/{token}", summary="Every client holding a token (open positions)")
    async def holders(
        token: Annotated[int, Path(gt=0, le=TOKEN_MAX)],
        db: Db,
        exchange: Exchange | None = None,
        trade_type: TradeType | None = None,
    ) -> list[HolderOut]:
        found = await store_positions.find_positions(
            db, token=token, exchange=exchange, trade_type=trade_type, status=PositionStatus.ACTIVE,
            limit=100_000,
        )  # fmt: skip
        return sorted(
            (holder_out(marked(h)) for h in found), key=lambda h: (h.client_id, h.trade_type)
        )

    @router.get("/clients/{client_id}/fills", summary="A client's latest fills, newest first")
    async def fills(
        client_id: str, db: Db, limit: Annotated[int, Query(gt=0, le=1000)] = 50
    ) -> list[FillOut]:
        rows = await store_positions.recent_fills(db, client_id, limit)
        return [
            FillOut(**{**r, "price": str(r["price"]), "realized_pnl": str(r["realized_pnl"])})
            for r in rows
        ]

    @router.get("/drift", summary="Where our net quantities differ from the broker's")
    async def drift(
        db: Db, client_id: str | None = None, confirmed_only: bool = False
    ) -> dict[str, Any]:
        # when compared first, then what was found: the rows are then at least as new as the
        # times (a comparison commits both at once); read the other way round, a comparison
        # committing in between showed its time beside the rows before it
        compared = await store_accounts.reconciled_at(db, client_id)
        rows = await store_accounts.list_drift(db, client_id, drift_confirmations)
        items = [DriftOut(**r) for r in rows if r["confirmed"] or not confirmed_only]
        return {
            "confirmations_needed": drift_confirmations,
            "drift": items,
            "reconciled_at": compared,
        }

    return router
