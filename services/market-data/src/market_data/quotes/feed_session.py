"""One connection to Motilal's binary quote feed, kept alive for the service's lifetime.

Built on the motilal library's codec and backoff. It is not `motilal.feed.quotes.QuoteFeed`
because market-data must know when the feed is up or down (to switch to REST polling, for
/ready and for the `market_data_feed_connected` gauge) and must see heartbeats to judge
liveness; QuoteFeed exposes neither yet.

Each connection: login packet, then every wanted registration, then frames. Heartbeats are
answered at once; silence longer than `silence_seconds` counts as a dead connection.
A drop (or a refused connect) waits an exponential, jittered backoff and starts over.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from time import monotonic

import websockets
from common.enums import Exchange
from motilal.feed import codec
from motilal.feed.backoff import Backoff
from websockets.asyncio.client import ClientConnection

from market_data.quotes.interest import FeedKey

log = logging.getLogger(__name__)

PacketHandler = Callable[[codec.FeedPacket], None]
StateHandler = Callable[[bool], None]


class FeedSession:
    def __init__(
        self,
        url: str,
        client_code: str,
        on_packet: PacketHandler,
        on_state: StateHandler,
        *,
        silence_seconds: float = 30.0,
        backoff: Backoff | None = None,
    ) -> None:
        self._url = url
        self._client_code = client_code.upper()
        self._on_packet = on_packet
        self._on_state = on_state
        self._silence = silence_seconds
        self._backoff = backoff or Backoff()
        self._wanted: set[FeedKey] = set()
        self._registered: set[FeedKey] = set()
        # NSE and NSEFO both arrive as 'N': remember which one each code was registered on.
        self._exchanges: dict[tuple[str, int], str] = {}
        self._ws: ClientConnection | None = None
        self._send_lock = asyncio.Lock()
        self.connected = False
        self.connects = 0
        self.last_frame_at: float | None = None
        self.last_error: str | None = None

    @property
    def subscriptions(self) -> set[FeedKey]:
        return set(self._wanted)

    async def subscribe_exactly(self, wanted: set[FeedKey]) -> None:
        """Make the registrations match `wanted`: register the new, unregister the gone."""
        self._wanted = set(wanted)
        for exchange, token in wanted:
            self._exchanges[(codec.EXCHANGE_CODES[exchange.value][0], token)] = exchange.value
        if self._ws is not None and self.connected:
            await self._sync_registrations(self._ws)

    async def run(self) -> None:
        """Connect, read, reconnect: returns only when cancelled."""
        while True:
            try:
                async with websockets.connect(
                    self._url, ping_interval=None, max_size=None, open_timeout=5
                ) as ws:
                    await self._serve(ws)
                self.last_error = "the feed closed the connection"
            except asyncio.CancelledError:
                raise
            except (OSError, TimeoutError, websockets.WebSocketException) as error:
                self.last_error = f"{type(error).__name__}: {error}"
            finally:
                self._ws = None
                self._registered.clear()
                self._set_connected(False)
            delay = self._backoff.next_delay()
            log.warning("quote feed lost (%s); reconnecting in %.1f s", self.last_error, delay)
            await asyncio.sleep(delay)

    async def _serve(self, ws: ClientConnection) -> None:
        self._ws = ws
        await ws.send(codec.encode_login(self._client_code))
        buffer = codec.PacketBuffer(self._resolve)
        while True:
            # asyncio.timeout, not wait_for: 3.11's wait_for can swallow a cancellation.
            async with asyncio.timeout(self._silence):
                frame = await ws.recv()
            if isinstance(frame, str):
                continue
            self.last_frame_at = monotonic()
            if not self.connected:
                # The first binary frame answers the login: now registrations count.
                self.connects += 1
                self._backoff.reset()
                self._set_connected(True)
                await self._sync_registrations(ws)
            for packet in buffer.feed(frame):
                if isinstance(packet, codec.Heartbeat):
                    await self._send(ws, codec.HEARTBEAT_REPLY)
                else:
                    self._on_packet(packet)

    async def _sync_registrations(self, ws: ClientConnection) -> None:
        for exchange, token in sorted(self._registered - self._wanted):
            await self._send(ws, codec.encode_register(exchange.value, token, add=False))
            self._registered.discard((exchange, token))
        for exchange, token in sorted(self._wanted - self._registered):
            await self._send(ws, codec.encode_register(exchange.value, token, add=True))
            self._registered.add((exchange, token))

    async def _send(self, ws: ClientConnection, data: bytes) -> None:
        async with self._send_lock:
            # A send on a socket that just died is harmless: the reconnect re-registers all.
            with contextlib.suppress(websockets.ConnectionClosed):
                await ws.send(data)

    def _resolve(self, exchange_char: str, token: int) -> str:
        found = self._exchanges.get((exchange_char, token))
        return found or codec.default_resolver(exchange_char, token)

    def _set_connected(self, connected: bool) -> None:
        if connected != self.connected:
            self.connected = connected
            log.info("quote feed %s", "connected" if connected else "disconnected")
            self._on_state(connected)


def feed_key(exchange: str | Exchange, token: int) -> FeedKey:
    return (Exchange(exchange), token)
