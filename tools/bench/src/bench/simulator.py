"""The Motilal simulator with a stopwatch: `python -m bench.simulator --host H --port P`.

It is the very simulator app (`motilal_sim.create_app`, same routes, matching, faults and
/sim controls) plus three read-only endpoints the benchmarks and drills need:

- `GET /bench/orders`: every order the simulator holds (`POST` with `{"tags": [...]}`: only
  the orders with those tags, found through an index), with its tag (the platform's
  `motilal.tag_for(order_id)`), status, quantities and three wall-clock instants (epoch
  seconds): `arrived_at` (the place call reached the HTTP server, before injected latency),
  `confirmed_at` (the order was accepted into the book) and `filled_at` (fully traded);
- `GET /bench/positions`: every client's net quantity per exchange, token and product;
- `GET /bench/stats`: requests served and the place calls that arrived, for a quick look.

The instants come from an ASGI middleware (arrival) and an engine order listener (the book
events), so nothing in the simulator itself changes.
"""

import contextvars
import time
from collections import defaultdict
from dataclasses import dataclass
from typing import Any

from fastapi import APIRouter, FastAPI
from motilal_sim.__main__ import main as serve
from motilal_sim.app import create_app
from motilal_sim.config import SimSettings
from motilal_sim.orders import SimOrder
from motilal_sim.state import SimState
from pydantic import BaseModel
from starlette.types import ASGIApp, Receive, Scope, Send

_ARRIVED: contextvars.ContextVar[float] = contextvars.ContextVar("arrived", default=0.0)


@dataclass
class Stamp:
    arrived_at: float
    confirmed_at: float | None = None
    filled_at: float | None = None


class ArrivalStamp:
    """Remembers when each REST call arrived, for the order listener of the same request."""

    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] == "http":
            _ARRIVED.set(time.time())
        await self.app(scope, receive, send)


class Tags(BaseModel):
    tags: list[str]


class Stopwatch:
    def __init__(self) -> None:
        self.stamps: dict[str, Stamp] = {}
        self.by_tag: dict[str, list[str]] = defaultdict(list)
        """Tag -> unique order ids, so a run's orders are found without a scan."""
        self.place_arrivals = 0

    def on_order(self, kind: str, client: str, row: dict[str, Any]) -> None:
        if kind != "order":
            return
        uid = str(row["uniqueorderid"])
        now = time.time()
        stamp = self.stamps.get(uid)
        if stamp is None:
            self.place_arrivals += 1
            stamp = self.stamps[uid] = Stamp(_ARRIVED.get() or now)
            tag = str(row.get("tag") or "").strip()  # book rows pad the tag
            if tag:  # the direct and naive runs' orders carry none
                self.by_tag[tag].append(uid)
        status = row["orderstatus"]
        if status == "Confirm" and stamp.confirmed_at is None:
            stamp.confirmed_at = now
        elif status == "Traded" and stamp.filled_at is None:
            stamp.filled_at = now


def bench_router(state: SimState, watch: Stopwatch) -> APIRouter:
    router = APIRouter(prefix="/bench", tags=["benchmark instruments"])

    def row(uid: str, order: SimOrder) -> dict[str, Any]:
        stamp = watch.stamps.get(uid)
        return {
            "unique_order_id": uid,
            "tag": order.tag,
            "client_code": order.client_code,
            "exchange": order.instrument.exchange,
            "token": order.instrument.token,
            "product": order.product,
            "side": order.side,
            "status": order.status,
            "quantity": order.quantity,
            "filled": order.filled,
            "arrived_at": stamp.arrived_at if stamp else None,
            "confirmed_at": stamp.confirmed_at if stamp else None,
            "filled_at": stamp.filled_at if stamp else None,
        }

    @router.get("/orders")
    async def orders() -> list[dict[str, Any]]:
        return [row(uid, order) for uid, order in state.engine.orders.items()]

    @router.post("/orders")
    async def orders_tagged(body: Tags) -> list[dict[str, Any]]:
        """The orders with these tags only: a run reads its own, not the whole day's."""
        found = []
        for tag in body.tags:
            for uid in watch.by_tag.get(tag, ()):
                order = state.engine.orders.get(uid)
                if order is not None:
                    found.append(row(uid, order))
        return found

    @router.get("/positions")
    async def positions() -> list[dict[str, Any]]:
        return [
            {
                "client_code": client,
                "exchange": pos.instrument.exchange,
                "token": pos.instrument.token,
                "product": pos.product,
                "net": pos.net,
            }
            for client, book in state.engine.positions.items()
            for pos in book.values()
        ]

    @router.get("/stats")
    async def stats() -> dict[str, Any]:
        return {"requests": dict(state.requests), "place_arrivals": watch.place_arrivals}

    return router


def instrumented_app(settings: SimSettings) -> FastAPI:
    app = create_app(settings)
    state: SimState = app.state.sim
    watch = Stopwatch()
    state.engine.order_listeners.append(watch.on_order)
    app.include_router(bench_router(state, watch))
    app.add_middleware(ArrivalStamp)
    return app


def main(argv: list[str] | None = None) -> None:
    serve(
        argv,
        app_factory=instrumented_app,
        prog="bench.simulator",
        description=__doc__,
        log_level="warning",
    )


if __name__ == "__main__":
    main()
