"""Motilal's order/trade WebSocket: one per client, open while the client's session is.

Its frames are the events the tracker applies (fills straight from trade frames). A stream
is opened as soon as a client's session is ready (at login, or at its first command) and
kept open; it reconnects by itself, and each (re)connect tells the tracker to read what it
may have missed from the books. A stream the broker refuses (expired token) ends; the next
session for that client opens a new one.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable

from motilal.client import MotilalClient
from motilal.config import MotilalSettings
from motilal.errors import SessionExpired
from motilal.feed.orders import OrderStream, StreamUpdate

log = logging.getLogger(__name__)


def order_stream_url(settings: MotilalSettings) -> str:
    """The stream URL: MotilalSettings.hosts derives it from the environment and base URL."""
    return settings.hosts.order_stream


class OrderStreams:
    def __init__(
        self,
        on_update: Callable[[str, StreamUpdate], None],
        on_connect: Callable[[str], None],
        settings: MotilalSettings | None = None,
    ) -> None:
        self._on_update = on_update
        self._on_connect = on_connect
        self._url = order_stream_url(settings or MotilalSettings())
        self._tasks: dict[str, asyncio.Task[None]] = {}
        self._streams: dict[str, OrderStream] = {}

    def follow(self, client_id: str, client: MotilalClient) -> None:
        """Keeps a stream open for the client (no-op when one is already running)."""
        task = self._tasks.get(client_id)
        if (task is not None and not task.done()) or client.session is None:
            return
        stream = client.order_stream(self._url, on_connect=lambda: self._on_connect(client_id))
        self._streams[client_id] = stream
        self._tasks[client_id] = asyncio.create_task(
            self._listen(client_id, stream), name=f"order-stream:{client_id}"
        )

    def connected(self, client_id: str) -> bool:
        """The client's stream is subscribed now: its frames will report what happens."""
        stream = self._streams.get(client_id)
        return stream is not None and stream.connected

    async def _listen(self, client_id: str, stream: OrderStream) -> None:
        try:
            async for update in stream.updates():
                self._on_update(client_id, update)
        except SessionExpired:
            log.info("order stream of %s refused the token; the next session reopens it",
                     client_id)  # fmt: skip
        except Exception:
            log.exception("order stream of %s failed; recovery reads continue", client_id)
        finally:
            with contextlib.suppress(Exception):
                await stream.close()
            if self._streams.get(client_id) is stream:
                del self._streams[client_id]

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
