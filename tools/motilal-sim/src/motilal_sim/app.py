"""Wiring: settings -> state -> routes, plus the random-walk task."""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

from fastapi import FastAPI, WebSocket

from motilal_sim.api import control, order_stream, quote_feed, rest
from motilal_sim.config import SimSettings
from motilal_sim.state import SimState

log = logging.getLogger("motilal_sim")


async def _walk(state: SimState) -> None:
    while True:
        interval = state.settings.tick_interval
        await asyncio.sleep(interval if interval > 0 else 0.5)
        if not state.walk_paused and interval > 0:
            state.engine.step()


def create_app(settings: SimSettings | None = None) -> FastAPI:
    settings = settings or SimSettings()
    state = SimState.from_settings(settings)

    @contextlib.asynccontextmanager
    async def lifespan(app: FastAPI) -> AsyncIterator[None]:
        task = asyncio.create_task(_walk(state))
        log.info(
            "motilal simulator: %d accounts, %d instruments, seed %d, day %d",
            len(state.accounts),
            len(state.engine.instruments),
            settings.seed,
            state.engine.day,
        )
        yield
        task.cancel()
        if settings.state_dir is not None:  # a restart is the next trading day
            state.next_day()

    app = FastAPI(title="Motilal Open API simulator", lifespan=lifespan)
    app.state.sim = state
    app.state.sockets = set()

    async def close_sockets() -> None:
        sockets: set[WebSocket] = app.state.sockets
        for ws in list(sockets):
            with contextlib.suppress(Exception):
                await ws.close(code=1012)
        sockets.clear()

    app.state.close_sockets = close_sockets
    app.include_router(control.router)
    app.include_router(order_stream.router)
    app.include_router(quote_feed.router)
    app.include_router(rest.router)
    return app
