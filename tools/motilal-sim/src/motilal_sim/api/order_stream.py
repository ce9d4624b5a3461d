"""The JSON order/trade WebSocket (reference C.2): auth message first, then subscribe actions."""

import asyncio
import json
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from motilal.paths import ORDER_STREAM_PATH

from motilal_sim.state import SimState

router = APIRouter()


def _error(code: str, message: str) -> str:
    return json.dumps({"status": "FAILURE", "errorcode": code, "message": message})


def _authorised(state: SimState, auth: dict[str, Any]) -> str | None:
    session = state.sessions.get(str(auth.get("authtoken", "")))
    client = str(auth.get("clientid", "")).upper()
    account = state.accounts.get(client)
    if session is None or account is None or session.client_code != client:
        return None
    if not session.verified or session.revoked or auth.get("apikey") != account.api_key:
        return None
    return client


@router.websocket(ORDER_STREAM_PATH)
async def order_stream(ws: WebSocket) -> None:
    state: SimState = ws.app.state.sim
    await ws.accept()
    if state.faults.down:
        await ws.close(code=1013)
        return
    ws.app.state.sockets.add(ws)
    queue: asyncio.Queue[str] = asyncio.Queue()
    topics: set[str] = set()
    client: str | None = None

    def listener(kind: str, client_code: str, row: dict[str, Any]) -> None:
        if kind in topics:
            queue.put_nowait(json.dumps({"type": kind, **row}))

    async def pump() -> None:
        while True:
            await ws.send_text(await queue.get())

    pumper = asyncio.create_task(pump())
    try:
        while True:
            try:
                message = json.loads(await ws.receive_text())
            except ValueError:
                await ws.send_text(_error("MO2012", "Invalid Action Request: not JSON"))
                continue
            if client is None:
                client = _authorised(state, message)
                if client is None:
                    await ws.send_text(_error("MO1001", "Invalid userid or auth token"))
                    await ws.close(code=1008)
                    return
                # Only this client's rows reach this socket: others' trading costs it nothing.
                state.engine.listen(client, listener)
                continue
            action = str(message.get("action", ""))
            if action in ("OrderSubscribe", "TradeSubscribe"):
                topics.add("order" if action == "OrderSubscribe" else "trade")
            elif action in ("OrderUnsubscribe", "TradeUnsubscribe"):
                topics.discard("order" if action == "OrderUnsubscribe" else "trade")
            elif action == "heartbeat":
                await ws.send_text(json.dumps({"action": "heartbeat", "status": "SUCCESS"}))
            elif action == "logout":
                await ws.close()
                return
            else:
                await ws.send_text(_error("MO2012", f"Invalid Action Request: {action!r}"))
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        pumper.cancel()
        if client is not None:
            state.engine.unlisten(client, listener)
        ws.app.state.sockets.discard(ws)
