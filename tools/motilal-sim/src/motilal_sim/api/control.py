"""The /sim control API (not Motilal's): drive prices, inject faults, read counters, reset."""

from dataclasses import asdict
from decimal import Decimal
from typing import Any

from fastapi import APIRouter, HTTPException, Request
from pydantic import BaseModel, Field

from motilal_sim.faults import FaultConfig
from motilal_sim.state import SimState

router = APIRouter(prefix="/sim", tags=["simulator control"])


def _state(request: Request) -> SimState:
    state: SimState = request.app.state.sim
    return state


class PriceIn(BaseModel):
    exchange: str
    token: int
    price: Decimal = Field(gt=0)


class WalkIn(BaseModel):
    paused: bool | None = None
    volatility: float | None = Field(None, ge=0)
    steps: int = Field(0, ge=0, le=10_000)
    """Run this many walk steps right now (deterministic with a seed)."""


class MatchingIn(BaseModel):
    partial_fill_fraction: float | None = Field(None, gt=0, le=1)
    orders_per_second: int | None = Field(None, ge=1)
    feed_split_frames: bool | None = None


class DownIn(BaseModel):
    seconds: float = Field(gt=0, le=3600)


class PositionIn(BaseModel):
    client_code: str
    exchange: str
    token: int
    product: str
    quantity: int
    """Signed net quantity in shares: negative is short; 0 removes the position."""
    average_price: Decimal = Decimal(0)


def _quote_json(state: SimState, exchange: str, token: int) -> dict[str, Any]:
    quote = state.engine.market.quotes.get((exchange.upper(), token))
    if quote is None:
        raise HTTPException(404, f"{exchange} token {token} is not in the instrument master")
    return {
        "exchange": quote.instrument.exchange,
        "token": quote.instrument.token,
        "symbol": quote.instrument.symbol,
        "ltp": str(quote.ltp),
        "open": str(quote.open),
        "high": str(quote.high),
        "low": str(quote.low),
        "prev_close": str(quote.prev_close),
        "volume": quote.volume,
    }


@router.get("/health")
async def health(request: Request) -> dict[str, Any]:
    state = _state(request)
    status = "down" if state.faults.down else "ok"
    return {"status": status, "seed": state.settings.seed, "day": state.engine.day}


@router.post("/reset")
async def reset(request: Request) -> dict[str, str]:
    _state(request).reset()
    return {"status": "reset"}


class NextDayIn(BaseModel):
    expire_sessions: bool = True
    """Every token dies at the day's end (06:00 IST at Motilal): clients log in again."""


@router.post("/next-day")
async def next_day(request: Request, body: NextDayIn | None = None) -> dict[str, Any]:
    """Ends the trading day as Motilal does (days.py) and starts the next one."""
    state = _state(request)
    body = body or NextDayIn()
    report = state.next_day(expire_sessions=body.expire_sessions)
    if body.expire_sessions:  # order and quote streams die with their tokens
        await request.app.state.close_sockets()
    return {"day": state.engine.day, **asdict(report)}


@router.get("/counters")
async def counters(request: Request) -> dict[str, Any]:
    state = _state(request)
    out: dict[str, Any] = {name: dict(c) for name, c in state.engine.counters.items()}
    out["requests"] = dict(state.requests)
    out["reads"] = {name: dict(by_client) for name, by_client in state.reads.items()}
    out["faults_injected"] = dict(state.injected)
    out["open_orders"] = state.engine.open_order_count()
    return out


@router.get("/callers")
async def callers(request: Request) -> dict[str, dict[str, dict[str, Any]]]:
    """Per client code and endpoint, the last call's peer address and identity headers."""
    return {
        code: {endpoint: asdict(caller) for endpoint, caller in calls.items()}
        for code, calls in _state(request).callers.view().items()
    }


@router.post("/prices")
async def set_price(body: PriceIn, request: Request) -> dict[str, Any]:
    state = _state(request)
    try:
        state.engine.set_price(body.exchange, body.token, body.price)
    except KeyError as exc:
        raise HTTPException(404, str(exc.args[0])) from None
    return _quote_json(state, body.exchange, body.token)


@router.post("/prices/batch")
async def set_prices(body: list[PriceIn], request: Request) -> list[dict[str, Any]]:
    """Several prices at once, in order (a benchmark moves many tokens a millisecond)."""
    return [await set_price(price, request) for price in body]


@router.get("/prices/{exchange}/{token}")
async def get_price(exchange: str, token: int, request: Request) -> dict[str, Any]:
    return _quote_json(_state(request), exchange, token)


@router.post("/walk")
async def walk(body: WalkIn, request: Request) -> dict[str, Any]:
    state = _state(request)
    if body.paused is not None:
        state.walk_paused = body.paused
    if body.volatility is not None:
        state.settings.volatility = body.volatility
    for _ in range(body.steps):
        state.engine.step()
    return {"paused": state.walk_paused, "volatility": state.settings.volatility}


@router.put("/matching")
async def matching(body: MatchingIn, request: Request) -> dict[str, Any]:
    engine = _state(request).engine
    if body.partial_fill_fraction is not None:
        engine.partial_fill_fraction = body.partial_fill_fraction
    if body.orders_per_second is not None:
        engine.orders_per_second = body.orders_per_second
    if body.feed_split_frames is not None:
        engine.feed_split_frames = body.feed_split_frames
    return {
        "feed_split_frames": engine.feed_split_frames,
        "partial_fill_fraction": engine.partial_fill_fraction,
        "orders_per_second": engine.orders_per_second,
    }


@router.get("/faults")
async def get_faults(request: Request) -> FaultConfig:
    return _state(request).faults.config


@router.put("/faults")
async def set_faults(body: FaultConfig, request: Request) -> FaultConfig:
    _state(request).faults.config = body
    return body


@router.post("/down")
async def take_down(body: DownIn, request: Request) -> dict[str, Any]:
    state = _state(request)
    state.faults.take_down(body.seconds)
    closer = request.app.state.close_sockets
    await closer()
    return {"down_for_seconds": body.seconds}


@router.post("/sessions/{client_code}/expire")
async def expire(client_code: str, request: Request) -> dict[str, int]:
    return {"expired": _state(request).sessions.expire_client(client_code.upper())}


@router.get("/otp/{client_code}")
async def otp(client_code: str, request: Request) -> dict[str, str]:
    """The OTP "sent" to the client's phone by the last login without TOTP."""
    session = _state(request).sessions.latest_for(client_code.upper())
    if session is None or not session.otp:
        raise HTTPException(404, f"no OTP login pending for {client_code}")
    return {"otp": session.otp}


@router.post("/positions")
async def set_position(body: PositionIn, request: Request) -> dict[str, Any]:
    state = _state(request)
    if body.client_code.upper() not in state.accounts:
        raise HTTPException(404, f"client_code {body.client_code} is not a demo account")
    try:
        state.engine.set_position(
            body.client_code.upper(),
            body.exchange,
            body.token,
            body.product,
            body.quantity,
            body.average_price,
        )
    except KeyError:
        raise HTTPException(404, f"{body.exchange} token {body.token} is unknown") from None
    return {"positions": state.engine.position_rows(body.client_code.upper())}
