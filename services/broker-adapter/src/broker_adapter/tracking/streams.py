"""Motilal's order/trade WebSocket, one connection per client with open orders.

A frame about a client's order or trade makes the tracker read that client's books at
once, so fills are reported within moments instead of at the next poll. The books stay
the single source of what is reported (one code path, deduplicated by trade number); the
stream only says "look now". When the stream is down, polling still finds everything.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from urllib.parse import urlsplit

from motilal.client import MotilalClient
from motilal.config import MotilalSettings
from motilal.errors import SessionExpired
from motilal.paths import ORDER_STREAM_PATH

log = logging.getLogger(__name__)


def order_stream_url(settings: MotilalSettings) -> str:
    """The stream URL; next to the REST base when only MOTILAL_BASE_URL points elsewhere."""
    if settings.order_stream_url or not settings.base_url:
        return settings.hosts.order_stream
    parts = urlsplit(settings.base_url)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{ORDER_STREAM_PATH}"


class OrderStreams:
    def __init__(self, on_news: Callable[[str], None], settings: MotilalSettings | None = None):
        self._on_news = on_news
        self._url = order_stream_url(settings or MotilalSettings())
        self._tasks: dict[str, asyncio.Task[None]] = {}

    def follow(self, client_id: str, client: MotilalClient) -> None:
        """Keeps a stream open for the client (no-op when one is already running)."""
        task = self._tasks.get(client_id)
        if task is not None and not task.done():
            return
        self._tasks[client_id] = asyncio.create_task(
            self._listen(client_id, client), name=f"order-stream:{client_id}"
        )

    def unfollow(self, client_id: str) -> None:
        task = self._tasks.pop(client_id, None)
        if task is not None:
            task.cancel()

    @property
    def followed(self) -> set[str]:
        return set(self._tasks)

    def is_live(self, client_id: str) -> bool:
        """The client's stream is running (its frames will nudge a read of the books)."""
        task = self._tasks.get(client_id)
        return task is not None and not task.done()

    async def _listen(self, client_id: str, client: MotilalClient) -> None:
        if client.session is None:
            return
        stream = client.order_stream(self._url)
        try:
            async for _update in stream.updates():
                self._on_news(client_id)
        except SessionExpired:
            log.info("order stream of %s refused the token; polling continues", client_id)
        except Exception:
            log.exception("order stream of %s failed; polling continues", client_id)
        finally:
            with contextlib.suppress(Exception):
                await stream.close()

    async def close(self) -> None:
        tasks = list(self._tasks.values())
        self._tasks.clear()
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)
