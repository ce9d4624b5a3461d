"""The binary quote-feed client: login, register, heartbeat replies, reconnect and re-subscribe.

feed = QuoteFeed(settings.hosts.feed, "EMUM7551")
await feed.subscribe("NSE", 2885)
async for packet in feed.packets():
    ...
"""

import asyncio
import contextlib
import logging
from collections.abc import AsyncIterator

import websockets
from websockets.asyncio.client import ClientConnection

from motilal.feed import codec
from motilal.feed.backoff import CONNECTION_LOST, Backoff

log = logging.getLogger("motilal.feed.quotes")


class QuoteFeed:
    def __init__(
        self,
        url: str,
        client_code: str,
        *,
        idle_timeout: float = 30.0,
        backoff: Backoff | None = None,
        version: str = "VER 2.0",
    ) -> None:
        self._url = url
        self._client_code = client_code.upper()
        self._idle_timeout = idle_timeout
        self._backoff = backoff or Backoff()
        self._version = version
        self._subscriptions: set[tuple[str, int]] = set()
        # NSE and NSEFO both arrive as 'N': remember which was registered for each code.
        self._exchanges: dict[tuple[str, int], str] = {}
        self._ws: ClientConnection | None = None
        self._closed = False
        self.connects = 0
        """How many times a connection was established (1 + reconnects)."""

    def _resolve(self, exchange_char: str, token: int) -> str:
        found = self._exchanges.get((exchange_char, token))
        return found or codec.default_resolver(exchange_char, token)

    async def subscribe(self, exchange: str, token: int) -> None:
        packet = codec.encode_register(exchange, token, add=True)
        self._subscriptions.add((exchange, token))
        self._exchanges[(codec.EXCHANGE_CODES[exchange][0], token)] = exchange
        await self._send(packet)

    async def unsubscribe(self, exchange: str, token: int) -> None:
        self._subscriptions.discard((exchange, token))
        await self._send(codec.encode_register(exchange, token, add=False))

    async def _send(self, data: bytes) -> None:
        if self._ws is not None:
            # If the socket just died, the reconnect loop re-sends every registration.
            with contextlib.suppress(websockets.ConnectionClosed):
                await self._ws.send(data)

    async def close(self) -> None:
        self._closed = True
        if self._ws is not None:
            with contextlib.suppress(TimeoutError, websockets.WebSocketException):
                await asyncio.wait_for(self._ws.close(), 5)

    async def packets(self) -> AsyncIterator[codec.FeedPacket]:
        """Ticks until `close()`; heartbeats are answered here and not yielded."""
        while not self._closed:
            try:
                # No per-message deflate: binary ticks barely compress (see orders.py).
                async with websockets.connect(
                    self._url, ping_interval=None, max_size=None, open_timeout=5, compression=None
                ) as ws:
                    self._ws = ws
                    self.connects += 1
                    await ws.send(codec.encode_login(self._client_code, self._version))
                    for exchange, token in sorted(self._subscriptions):
                        await ws.send(codec.encode_register(exchange, token))
                    buffer = codec.PacketBuffer(self._resolve)
                    while True:
                        # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a
                        # cancellation that lands as a frame arrives, and never stop.
                        async with asyncio.timeout(self._idle_timeout):
                            frame = await ws.recv()
                        if isinstance(frame, str):
                            continue
                        self._backoff.reset()
                        for packet in buffer.feed(frame):
                            if isinstance(packet, codec.Heartbeat):
                                await ws.send(codec.HEARTBEAT_REPLY)
                            else:
                                yield packet
            except CONNECTION_LOST as exc:
                self._ws = None
                if self._closed:
                    return
                await self._backoff.pause(log, "quote feed", exc)
        self._ws = None
