"""The JSON order/trade stream client (reference C.2): auth message, subscriptions, heartbeat
every 30 s, reconnect with backoff. Yields typed Order and Trade updates (rupees already).

Frames are parsed one by one: an odd frame is logged and skipped, never the stream. A
stream that has been silent for `idle_seconds` (not even a heartbeat answer) is taken as
dead and reconnected: a half-open socket would otherwise hide every update for ever.
"""

import asyncio
import contextlib
import json
import logging
from collections.abc import AsyncIterator, Callable
from typing import Any

import websockets
from websockets.asyncio.client import ClientConnection

from motilal.envelope import ROW_ERRORS
from motilal.errors import SessionExpired
from motilal.feed.backoff import CONNECTION_LOST, Backoff
from motilal.models import Order, Trade

log = logging.getLogger("motilal.feed.orders")

StreamUpdate = Order | Trade


def parse_frame(frame: Any) -> StreamUpdate | None:
    """An order or trade from one frame; None for acknowledgements and heartbeats.
    Raises ValueError for a frame that is not a JSON object."""
    if not isinstance(frame, dict):
        raise ValueError(f"frame is a {type(frame).__name__}, not an object")
    if frame.get("errorcode"):
        code, message = str(frame["errorcode"]), str(frame.get("message", ""))
        if code == "MO1001":
            raise SessionExpired(code, message or "order stream refused the auth token")
        log.warning("order stream error %s: %s", code, message)
        return None
    if "tradeno" in frame:
        return Trade.from_row(frame, scaled=False)  # the stream already sends rupees
    if "orderstatus" in frame:
        return Order.from_row(frame)
    return None


class OrderStream:
    def __init__(
        self,
        url: str,
        client_code: str,
        api_key: str,
        auth_token: Callable[[], str],
        *,
        orders: bool = True,
        trades: bool = True,
        heartbeat_seconds: float = 30.0,
        idle_seconds: float | None = 95.0,
        backoff: Backoff | None = None,
        on_connect: Callable[[], None] | None = None,
        local_address: str | None = None,
    ) -> None:
        """`on_connect` is called each time the stream is subscribed again after a
        (re)connect: frames sent while it was down are lost, so the caller reads what it
        missed from the books. `local_address`: where the connection leaves from (an
        account's own registered IP; None: the host's default route)."""
        self._local_addr = (local_address, 0) if local_address else None
        self._url = url
        self._client = client_code.upper()
        self._api_key = api_key
        self._auth_token = auth_token  # read at every (re)connect: the token changes daily
        self._actions = [
            a for a, on in (("OrderSubscribe", orders), ("TradeSubscribe", trades)) if on
        ]
        self._heartbeat = heartbeat_seconds
        self._idle = idle_seconds
        """No frame for this long (three heartbeats and a bit): reconnect. None: wait for ever."""
        self._backoff = backoff or Backoff()
        self._ws: ClientConnection | None = None
        self._on_connect = on_connect
        self._live = False
        self._closed = False
        self.connects = 0
        self.skipped_frames = 0

    @property
    def connected(self) -> bool:
        """Subscribed now: every order and trade frame from here on reaches `updates`."""
        return self._live

    async def close(self) -> None:
        self._closed = True
        if self._ws is not None:
            with contextlib.suppress(websockets.WebSocketException):
                await self._ws.send(json.dumps({"clientid": self._client, "action": "logout"}))
            with contextlib.suppress(TimeoutError, websockets.WebSocketException):
                await asyncio.wait_for(self._ws.close(), 5)

    async def _beat(self, ws: ClientConnection) -> None:
        message = json.dumps({"clientid": self._client, "action": "heartbeat"})
        with contextlib.suppress(websockets.WebSocketException):
            while True:
                await asyncio.sleep(self._heartbeat)
                await ws.send(message)

    async def updates(self) -> AsyncIterator[StreamUpdate]:
        while not self._closed:
            try:
                # No per-message deflate: frames are small, and deflating a heartbeat for
                # each of 1,000 streams cost more CPU than the bytes it saved (py-spy).
                async with websockets.connect(
                    self._url,
                    ping_interval=None,
                    open_timeout=5,
                    compression=None,
                    local_addr=self._local_addr,
                ) as ws:
                    self._ws = ws
                    self.connects += 1
                    auth = {
                        "clientid": self._client,
                        "authtoken": self._auth_token(),
                        "apikey": self._api_key,
                    }
                    await ws.send(json.dumps(auth))
                    for action in self._actions:
                        await ws.send(json.dumps({"clientid": self._client, "action": action}))
                    self._live = True
                    if self._on_connect is not None:
                        self._on_connect()
                    beat = asyncio.create_task(self._beat(ws))
                    try:
                        while True:
                            try:
                                # asyncio.timeout, not wait_for (see quotes.py).
                                async with asyncio.timeout(self._idle):
                                    raw = await ws.recv()
                            except TimeoutError:
                                log.warning("order stream of %s silent for %.0fs; reconnecting",
                                            self._client, self._idle)  # fmt: skip
                                raise
                            self._backoff.reset()
                            try:
                                update = parse_frame(json.loads(raw))
                            except ROW_ERRORS as error:  # one odd frame never ends the stream
                                self.skipped_frames += 1
                                log.warning("order stream frame skipped: %s", error)
                                continue
                            if update is not None:
                                yield update
                    finally:
                        self._live = False
                        beat.cancel()
            except CONNECTION_LOST as exc:
                self._ws = None
                if self._closed:
                    return
                await self._backoff.pause(log, "order stream", exc)
