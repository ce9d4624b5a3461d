"""Positions as trades, exits, exit-by-token (issue 6).

A "trade" is a position as the portfolio keeps it: one client's holding in one instrument
and trade type, from the fill that opened it to the fill that closed it (its id is the
portfolio's `position_id`). An exit is an EXIT order through the normal order path: the
request is published on orders.requests.v1 and answered 202 with the batch and order ids;
the order-router sizes the order from the open position; the trade turns CLOSED when the
closing fill arrives, not when the order is sent. Follow it with GET /batches/{batch_id}.
"""

from datetime import datetime
from typing import Annotated

from common.contracts.instruments import TOKEN_MAX
from common.contracts.requests import ClientOrder, ExitByTokenRequested, ExitTradeRequested
from common.enums import Exchange, PositionStatus, TradeType
from common.ids import new_id
from common.problems import invalid, problem
from fastapi import APIRouter, HTTPException, Path, Query, status
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel, Field

from gateway.auth.deps import Viewer
from gateway.csv_export import CSV_RESPONSES, Export
from gateway.idempotency import AuditEntry, Once, Outcome
from gateway.new_batch import NewBatch, batch_route
from gateway.order_models import Accepted, OrderRef
from gateway.portfolio_client import Portfolio
from gateway.portfolio_views import HolderView, PositionView

router = APIRouter(prefix="/api/v1", tags=["trades"])


class TradeOut(BaseModel):
    """One position ("trade"). Quantities in shares (negative net = short), money in rupees."""

    trade_id: str = Field(description="the position id; stable across replays")
    client_id: str
    token: int
    exchange: Exchange
    symbol: str
    trade_type: TradeType
    status: PositionStatus
    net_quantity: int
    average_price: str = Field(description="volume-weighted average open price of the open qty")
    last_price: str | None
    market_value: str
    buy_quantity: int
    buy_value: str
    sell_quantity: int
    sell_value: str
    realized_pnl: str
    unrealized_pnl: str
    total_pnl: str
    opened_at: datetime
    closed_at: datetime | None
    updated_at: datetime | None


def trade_out(position: PositionView) -> TradeOut:
    return TradeOut.model_validate(position.as_trade())


class ExitByTokenIn(BaseModel):
    client_ids: list[str] | None = Field(
        default=None, description="clients to exit; omitted or null: every client holding it"
    )
    trade_type: TradeType | None = Field(
        default=None, description="exit only this trade type; omitted: what each client holds"
    )
    exchange: Exchange | None = Field(
        default=None, description="needed only when the token is held on two exchanges"
    )


@router.get(
    "/trades",
    summary="Trades (positions) with filters, newest first",
    response_model=list[TradeOut],
    responses=CSV_RESPONSES,
)
async def list_trades(
    _: Viewer,
    portfolio: Portfolio,
    export: Export,
    client_id: str | None = None,
    token_id: Annotated[int | None, Query(gt=0, le=TOKEN_MAX)] = None,
    status_: Annotated[PositionStatus | None, Query(alias="status")] = None,
    trade_type: TradeType | None = None,
    exchange: Exchange | None = None,
    limit: Annotated[int, Query(gt=0, le=1000)] = 200,
) -> Response:
    positions = await portfolio.positions(
        client_id=client_id,
        token=token_id,
        status=status_,
        trade_type=trade_type.value if trade_type else None,
        exchange=exchange.value if exchange else None,
        limit=limit,
    )
    trades = [trade_out(p) for p in positions]
    return export.respond(trades, trades, "trades", list(TradeOut.model_fields))


@router.get("/trades/{trade_id}", summary="One trade (position) by id")
async def get_trade(trade_id: str, _: Viewer, portfolio: Portfolio) -> TradeOut:
    position = await portfolio.position(trade_id)
    if position is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"trade {trade_id} does not exist")
    return trade_out(position)


@batch_route(
    router,
    "/trades/{trade_id}/exit",
    summary="Close one trade with an EXIT order (opposite side, its quantity and trade type)",
)
async def exit_trade(
    trade_id: str, once: Once, batch: NewBatch, portfolio: Portfolio
) -> JSONResponse:
    async def decide() -> Outcome:
        position = await portfolio.position(trade_id)
        if position is None:
            raise HTTPException(status.HTTP_404_NOT_FOUND, f"trade {trade_id} does not exist")
        if position.status != PositionStatus.ACTIVE:
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"trade {trade_id} is already CLOSED: nothing to exit"
            )
        order_id = new_id()
        client_id = position.client_id
        message = ExitTradeRequested(
            **batch.envelope(),
            order_id=order_id,
            client_id=client_id,
            position_id=trade_id,
            token_id=position.token,
            exchange=position.exchange,
            trade_type=position.trade_type,
        )
        entry = AuditEntry("trade.exit", trade_id, {
            "batch_id": batch.batch_id, "order_id": order_id, "client_id": client_id,
            "token": position.token, "net_quantity": position.net_quantity,
        }, correlation_id=batch.batch_id)  # fmt: skip
        answer = Accepted(
            batch_id=batch.batch_id, orders=[OrderRef(client_id=client_id, order_id=order_id)]
        )
        return Outcome(answer.model_dump(mode="json"), (message,), (entry,))

    return await once.run({}, decide)


def _exit_plan(
    token_id: int, body: ExitByTokenIn, holders: list[HolderView]
) -> tuple[list[str], Exchange, TradeType | None]:
    """Which clients, exchange and trade type to exit; raises 422 naming the bad field."""
    held_by = {h.client_id for h in holders}
    if body.client_ids is None:
        targets = sorted(held_by)
        if not targets:
            raise invalid([problem(["path", "token_id"], f"no client holds token {token_id}")])
    else:
        problems = [
            problem(["body", "client_ids", i], f"client {c} holds no open position in {token_id}"
                    + (f" ({body.trade_type})" if body.trade_type else ""))
            for i, c in enumerate(body.client_ids)
            if c not in held_by
        ]  # fmt: skip
        if not body.client_ids:
            problems.append(problem(["body", "client_ids"], "give at least one client, or omit"))
        if problems:
            raise invalid(problems)
        targets = sorted(set(body.client_ids))
    mine = [h for h in holders if h.client_id in targets]
    exchanges = sorted({h.exchange for h in mine})
    if len(exchanges) > 1:
        message = f"token {token_id} is held on {', '.join(exchanges)}: name the exchange"
        raise invalid([problem(["body", "exchange"], message)])
    trade_types = {h.trade_type for h in mine}
    trade_type = body.trade_type or (
        TradeType(trade_types.pop()) if len(trade_types) == 1 else None
    )
    return targets, Exchange(exchanges[0]), trade_type


def _exit_orders(
    targets: list[str], trade_type: TradeType | None, holders: list[HolderView]
) -> tuple[ClientOrder, ...]:
    """One EXIT per client; per held position when the request names no trade type."""
    if trade_type is not None:
        return tuple(ClientOrder(order_id=new_id(), client_id=c) for c in targets)
    held = sorted({(h.client_id, h.trade_type) for h in holders if h.client_id in targets})
    return tuple(
        ClientOrder(order_id=new_id(), client_id=c, trade_type=TradeType(t)) for c, t in held
    )


@batch_route(
    router,
    "/trades/exit-by-token/{token_id}",
    summary="Exit a token for many clients at once (every holder when client_ids is omitted)",
)
async def exit_by_token(
    token_id: Annotated[int, Path(gt=0, le=TOKEN_MAX)],
    once: Once,
    batch: NewBatch,
    portfolio: Portfolio,
    body: ExitByTokenIn | None = None,
) -> JSONResponse:
    wanted = body or ExitByTokenIn()

    async def decide() -> Outcome:
        holders = await portfolio.holders(
            token_id,
            exchange=wanted.exchange.value if wanted.exchange else None,
            trade_type=wanted.trade_type.value if wanted.trade_type else None,
        )
        targets, exchange, trade_type = _exit_plan(token_id, wanted, holders)
        orders = _exit_orders(targets, trade_type, holders)
        message = ExitByTokenRequested(
            **batch.envelope(),
            token_id=token_id,
            exchange=exchange,
            trade_type=trade_type,
            orders=orders,
        )
        entry = AuditEntry("trade.exit_by_token", str(token_id), {
            "batch_id": batch.batch_id, "client_ids": list(targets),
            "trade_type": trade_type.value if trade_type else None,
            "exchange": exchange.value,
        }, correlation_id=batch.batch_id)  # fmt: skip
        answer = Accepted(
            batch_id=batch.batch_id,
            orders=[OrderRef(client_id=o.client_id, order_id=o.order_id) for o in orders],
        )
        return Outcome(answer.model_dump(mode="json"), (message,), (entry,))

    return await once.run(wanted.model_dump(mode="json"), decide)
