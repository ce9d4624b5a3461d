"""WebSocket /ws: live order/batch updates (issue 5); quotes and portfolio add channels.

Protocol (JSON text frames):
- authenticate by sending `{"action": "auth", "token": "<access token>"}` as the first
  message within 10 s -> `{"type": "welcome", "user": ..., "expires_at": ...}`; a bad token,
  or a disabled user, closes the socket with code 4401. (`/ws?token=...` still works but is
  discouraged: URLs end up in proxy and access logs.)
- the socket lives until its token's `expires_at`: send `{"action": "auth", "token": ...}`
  with a fresh token of the same user before then -> `{"type": "authenticated", ...}`;
  otherwise it is closed with 4401. Disabling the user closes it with 4403 (ws_session.py);
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
from typing import Any, cast

from common.service import ServiceRuntime
from fastapi import APIRouter, WebSocket, WebSocketDisconnect

from gateway import store_users
from gateway.auth.deps import app_codec
from gateway.auth.roles import Role
from gateway.auth.tokens import TokenClaims, TokenError
from gateway.live import Outbox, hub
from gateway.ws_session import SocketSession, active_users

log = logging.getLogger(__name__)
router = APIRouter(tags=["live"])

AUTH_TIMEOUT_SECONDS = 10.0
UNAUTHORIZED = 4401
TRY_AGAIN_LATER = 1013


class _Unavailable(Exception):
    """The user's state cannot be read now (PostgreSQL down)."""


async def _authenticate(websocket: WebSocket, token: str | None) -> TokenClaims | None:
    """The token's claims if it is a valid access token of an active user (viewer or more)."""
    if not token:
        return None
    try:
        claims = app_codec(websocket.app).decode(token, "access")
    except TokenError:
        return None
    if not claims.role.allows(Role.VIEWER):
        return None
    try:
        user = await store_users.get_user(_runtime(websocket).pool, claims.username)
    except Exception as error:
        raise _Unavailable from error
    return claims if user is not None and user.active else None


def _runtime(websocket: WebSocket) -> ServiceRuntime:
    return cast(ServiceRuntime, websocket.app.state.runtime)


async def _first_message_token(websocket: WebSocket) -> str | None:
    try:
        async with asyncio.timeout(AUTH_TIMEOUT_SECONDS):
            raw = await websocket.receive_text()
        message = json.loads(raw)
    except (TimeoutError, ValueError):
        return None
    return _auth_token(message)


def _auth_token(message: Any) -> str | None:
    if isinstance(message, dict) and message.get("action") == "auth":
        token = message.get("token")
        return token if isinstance(token, str) else None
    return None


async def _refuse(websocket: WebSocket, code: int, message: str) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        await websocket.send_json({"type": "error", "message": message})
        await websocket.close(code=code)


@router.websocket("/ws")
async def live(websocket: WebSocket, token: str | None = None) -> None:
    await websocket.accept()
    try:
        claims = await _authenticate(websocket, token or await _first_message_token(websocket))
    except _Unavailable:
        await _refuse(websocket, TRY_AGAIN_LATER, "cannot check the user now; try again")
        return
    if claims is None:
        await _refuse(
            websocket,
            UNAUTHORIZED,
            'not authenticated: send {"action": "auth", "token": ...} first '
            "with a valid access token of an active user",
        )
        return
    session = SocketSession(claims.username, claims.expires_at)
    await websocket.send_json(
        {"type": "welcome", "user": claims.username, "expires_at": claims.expires_at.isoformat()}
    )
    outbox = Outbox()
    watcher = active_users(_runtime(websocket))
    watcher.add(session)
    tasks = [
        asyncio.create_task(_send(websocket, outbox)),
        reader := asyncio.create_task(_read(websocket, outbox, session)),
        closing := asyncio.create_task(session.closing()),
    ]
    try:
        await asyncio.wait([reader, closing], return_when=asyncio.FIRST_COMPLETED)
        if closing.done():
            code, reason = closing.result()
            await _refuse(websocket, code, reason)
    finally:
        watcher.discard(session)
        hub.unsubscribe(outbox)
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


async def _read(websocket: WebSocket, outbox: Outbox, session: SocketSession) -> None:
    with contextlib.suppress(WebSocketDisconnect):
        while True:
            raw = await websocket.receive_text()
            try:
                message: Any = json.loads(raw)
            except ValueError:
                await websocket.send_json({"type": "error", "message": "send JSON objects"})
                continue
            if isinstance(message, dict) and message.get("action") == "auth":
                await _reauthenticate(websocket, session, _auth_token(message))
            else:
                await _on_message(websocket, outbox, message)


async def _reauthenticate(websocket: WebSocket, session: SocketSession, token: str | None) -> None:
    """A fresh token keeps the socket open past the old one's expiry; it must name the same
    user. A refused one changes nothing (the socket still closes at the old expiry)."""
    try:
        claims = await _authenticate(websocket, token)
    except _Unavailable:
        claims = None
    if claims is None or claims.username != session.username:
        await websocket.send_json(
            {"type": "error", "message": "re-authentication refused: not a valid access "
             f"token of {session.username}; the socket closes when the current one expires"}
        )  # fmt: skip
        return
    session.renew(claims.expires_at)
    await websocket.send_json(
        {"type": "authenticated", "user": claims.username,
         "expires_at": claims.expires_at.isoformat()}
    )  # fmt: skip


async def _send(websocket: WebSocket, outbox: Outbox) -> None:
    with contextlib.suppress(WebSocketDisconnect, RuntimeError):
        while True:
            for frame in await outbox.take():
                await websocket.send_text(frame)


async def _on_message(websocket: WebSocket, outbox: Outbox, message: Any) -> None:
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
                "message": "unknown action: use subscribe/unsubscribe with channels, "
                "auth with a fresh token, or ping",
            }
        )
