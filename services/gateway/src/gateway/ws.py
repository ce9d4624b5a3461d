"""WebSocket /ws: live order/batch updates (issue 5); quotes and portfolio add channels.

Protocol (JSON text frames):
- authenticate with `/ws?token=<access token>`, or send `{"action": "auth", "token": "..."}`
  as the first message within 10 s; a bad token closes the socket with code 4401;
- `{"action": "subscribe", "channels": ["orders:C1", "batch:<id>"]}` ->
  `{"type": "subscribed", "channels": [...]}` (or `{"type": "error", "message": ...}`);
- `{"action": "unsubscribe", "channels": [...]}`, `{"action": "ping"}` -> `{"type": "pong"}`;
- updates: `{"channel": "orders:C1", "type": "order", "data": {...}}` and
  `{"channel": "batch:<id>", "type": "batch", "data": {"batch_id", "counts": {...}}}`.
A slow client gets the latest state per order (conflation); it never slows the others.
Channel kinds are registered on `gateway.live.hub` (`hub.add_kind`).
"""

import asyncio
import contextlib
import json
import logging
from typing import Any

from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from gateway.auth.deps import CurrentUser, app_codec, user_from_token
from gateway.auth.roles import Role
from gateway.auth.tokens import TokenError
from gateway.live import Outbox, hub

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

AUTH_TIMEOUT_SECONDS = 10.0
UNAUTHORIZED = 4401


def _authenticate(websocket: WebSocket, token: str | None) -> CurrentUser | None:
    if not token:
        return None
    codec = app_codec(websocket.app)
    try:
        user = user_from_token(codec, token)
    except TokenError:
        return None
    return user if user.role.allows(Role.VIEWER) else None


async def _first_message_token(websocket: WebSocket) -> str | None:
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            raw = await websocket.receive_text()
        message = json.loads(raw)
    except (TimeoutError, ValueError):
        return None
    if isinstance(message, dict) and message.get("action") == "auth":
        token = message.get("token")
        return token if isinstance(token, str) else None
    return None


@router.websocket("/ws")
async def live(websocket: WebSocket, token: str | None = None) -> None:
    await websocket.accept()
    user = _authenticate(websocket, token or await _first_message_token(websocket))
    if user is None:
        await websocket.send_json(
            {"type": "error", "message": "not authenticated: give ?token=<access token> or "
             "send {\"action\": \"auth\", \"token\": ...} first"}
        )  # fmt: skip
        await websocket.close(code=UNAUTHORIZED)
        return
    await websocket.send_json({"type": "welcome", "user": user.username})
    outbox = Outbox()
    sender = asyncio.create_task(_send(websocket, outbox))
    try:
        while True:
            await _on_message(websocket, outbox, await websocket.receive_text())
    except WebSocketDisconnect:
        pass
    finally:
        hub.unsubscribe(outbox)
        sender.cancel()
        with contextlib.suppress(asyncio.CancelledError):
            await sender


async def _send(websocket: WebSocket, outbox: Outbox) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            for frame in await outbox.take():
                await websocket.send_text(frame)


async def _on_message(websocket: WebSocket, outbox: Outbox, raw: str) -> None:
    try:
        message: Any = json.loads(raw)
    except ValueError:
        await websocket.send_json({"type": "error", "message": "send JSON objects"})
        return
    action = message.get("action") if isinstance(message, dict) else None
    channels = message.get("channels", []) if isinstance(message, dict) else []
    if action == "ping":
        await websocket.send_json({"type": "pong"})
    elif action in ("subscribe", "unsubscribe") and isinstance(channels, list):
        problems = [p for c in channels if (p := hub.check_channel(str(c)))]
        if problems:
            await websocket.send_json({"type": "error", "message": "; ".join(problems)})
            return
        for channel in channels:
            if action == "subscribe":
                await hub.subscribe(outbox, channel)
            else:
                hub.unsubscribe(outbox, channel)
        await websocket.send_json({"type": f"{action}d", "channels": channels})
    else:
        await websocket.send_json(
            {
                "type": "error",
                "message": "unknown action: use subscribe/unsubscribe with channels, or ping",
            }
        )
