"""Internal API of risk automation, for the gateway: limits, blocks, square-off now."""

from datetime import date, datetime, time
from decimal import Decimal
from typing import Any

from common.contracts.envelope import utc_now
from common.trading_days import trading_date
from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from order_router import store_risk
from order_router.mtm import is_group
from order_router.mtm_watch import limits_of
from order_router.risk_wiring import RiskAutomation

router = APIRouter(prefix="/internal/risk", tags=["internal"])


def _risk(request: Request) -> RiskAutomation:
    risk: RiskAutomation = request.app.state.risk
    return risk


class LimitsIn(BaseModel):
    mtm_stop_loss: Decimal | None = Field(default=None, gt=0)
    mtm_target: Decimal | None = Field(default=None, gt=0)
    mtm_trailing_stop: Decimal | None = Field(default=None, gt=0)
    square_off_time: time | None = None
    members: list[str] = Field(default_factory=list)
    actor: str = Field(min_length=1)


def _text(value: Decimal | time | None) -> str | None:
    """Rupees as strings (JSON numbers lose paisa), a time as HH:MM."""
    if isinstance(value, time):
        return value.strftime("%H:%M")
    return None if value is None else str(value)


def _limits_out(row: Any, risk: RiskAutomation) -> dict[str, Any]:
    limits = limits_of(row)
    return {
        "scope": row["scope"],
        "members": list(row["members"] or []),
        "mtm_stop_loss": _text(row["mtm_stop_loss"]),
        "mtm_target": _text(row["mtm_target"]),
        "mtm_trailing_stop": _text(row["mtm_trailing_stop"]),
        "square_off_time": _text(row["square_off_time"]),
        "updated_by": row["updated_by"],
        "updated_at": row["updated_at"],
        **risk.mtm.figures(limits),
    }


@router.get("/limits/{scope}", summary="A client's or group's MTM limits and day MTM")
async def get_limits(scope: str, request: Request) -> dict[str, Any]:
    risk = _risk(request)
    row = await store_risk.get_limits(risk.pool, scope)
    if row is None:
        raise HTTPException(404, f"no limits set for {scope}")
    return _limits_out(row, risk)


@router.put("/limits/{scope}", summary="Set a client's or group's MTM limits")
async def put_limits(scope: str, body: LimitsIn, request: Request) -> dict[str, Any]:
    risk = _risk(request)
    if is_group(scope) and body.square_off_time is not None:
        raise HTTPException(422, "square_off_time is set per client, not per group")
    row = await store_risk.put_limits(
        risk.pool,
        scope,
        body.members if is_group(scope) else [],
        body.mtm_stop_loss,
        body.mtm_target,
        body.mtm_trailing_stop,
        body.square_off_time,
        body.actor,
    )
    risk.mtm.put_limits(limits_of(row))
    return _limits_out(row, risk)


@router.get("/blocks", summary="Clients' blocks of a trading date (default today)")
async def blocks(request: Request, client_id: str, day: str | None = None) -> dict[str, Any]:
    risk = _risk(request)
    when = trading_date(utc_now()) if day is None else _date(day)
    rows = await store_risk.blocks_of(risk.pool, client_id.split(","), when)
    return {"trading_date": when, "blocks": [dict(r) for r in rows]}


class LiftIn(BaseModel):
    client_ids: list[str] = Field(min_length=1)
    rule: str | None = None
    actor: str = Field(min_length=1)


@router.post("/blocks/lift", summary="Lift today's blocks of clients (admin)")
async def lift(body: LiftIn, request: Request) -> dict[str, Any]:
    risk = _risk(request)
    day = trading_date(utc_now())
    lifted = await store_risk.lift(risk.pool, body.client_ids, day, body.rule, body.actor)
    return {"trading_date": day, "lifted": lifted}


class SquareOffIn(BaseModel):
    client_ids: list[str] | None = None
    at: datetime | None = Field(
        default=None, description="run the pass as at this moment (tests; default now)"
    )


@router.post("/square-off", summary="Run the square-off pass now (or as at a moment)")
async def square_off(body: SquareOffIn, request: Request) -> dict[str, Any]:
    risk = _risk(request)
    at = body.at or utc_now()
    if at.tzinfo is None:
        raise HTTPException(422, "at must carry a timezone, e.g. 2026-01-05T15:16:00+05:30")
    fired = await risk.square_off.run_at(at, body.client_ids)
    return {"at": at, "fired": fired}


def _date(raw: str) -> date:
    try:
        return date.fromisoformat(raw)
    except ValueError:
        raise HTTPException(422, f"day {raw!r} is not a date (YYYY-MM-DD)") from None
