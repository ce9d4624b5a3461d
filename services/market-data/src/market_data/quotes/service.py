"""Live quotes: feed (or REST polling while it is down) -> conflation -> Redis and Kafka.

    FeedSession ─packets─► QuoteBook ─changed keys─► Conflator ─flush─► Redis quote:{token}
    LtpPoller (feed down) ──quotes──┘                                 └► marketdata.quotes.v1

Nothing on this path sleeps on a timer. A change wakes the flusher (an event); the first
change after a quiet spell is flushed at once, and while ticks keep coming a flush runs
at most once per `conflate_ms` window, so each token is published at most once a window
with its latest state. A flush writes Redis in one pipeline and hands its quotes to Kafka
together, both at once. No ticks, no wakeups.

What is subscribed is recomputed from open positions, working orders and the frontends'
watch leases (interest.select), within the feed's limit: at once when the Kafka handlers
changed the stored interest (`interest_changed`), and every `watch_refresh_seconds` for
the leases. Positions and orders are re-read from PostgreSQL only after such a change (or
every INTEREST_REREAD_SECONDS as a backstop), not every refresh.
"""

import asyncio
import contextlib
import logging
from collections.abc import Callable
from dataclasses import KW_ONLY, InitVar, dataclass, field
from time import monotonic
from typing import Any

import asyncpg
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.kafka import Publisher
from common.redis_keys import save_quotes, watched_tokens
from common.topics import QUOTES
from motilal import MotilalClient, MotilalSettings
from motilal.feed import codec
from motilal.feed.backoff import Backoff
from redis.asyncio import Redis

from market_data import metrics
from market_data.config import MarketDataSettings
from market_data.instruments.catalog import Catalog
from market_data.quotes import store_interest
from market_data.quotes.conflator import Conflator
from market_data.quotes.feed_session import FeedSession
from market_data.quotes.interest import FeedKey, Selection, select
from market_data.quotes.poller import LtpPoller
from market_data.quotes.quote_book import QuoteBook

log = logging.getLogger(__name__)

POLL_GRACE_SECONDS = 2.0
"""A reconnect usually takes well under this: poll only when the feed stays down longer."""
INTEREST_REREAD_SECONDS = 15.0
"""Backstop re-read of stored interest: another market-data process in the group may have
handled the change (one indexed query per 15 s)."""


@dataclass(eq=False)
class QuoteService:
    settings: MarketDataSettings
    catalog: Catalog
    _: KW_ONLY
    pool: Callable[[], asyncpg.Pool]
    redis: Callable[[], Redis]
    publisher: Publisher
    client: InitVar[MotilalClient]
    feed_url: InitVar[str]
    _book: QuoteBook = field(init=False, default_factory=QuoteBook)
    _conflator: Conflator = field(init=False, default_factory=Conflator)
    _replaced_seen: int = field(init=False, default=0)
    _selection: Selection = field(
        init=False, default_factory=lambda: Selection(chosen=[], left_out=[])
    )
    _interest: tuple[list[FeedKey], list[FeedKey]] = field(
        init=False, default_factory=lambda: ([], [])
    )
    _interest_read_at: float | None = field(init=False, default=None)
    _interest_stale: bool = field(init=False, default=True)
    _interest_changed: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    _down_since: float | None = field(init=False, default_factory=monotonic)
    _polled: int = field(init=False, default=0)
    session: FeedSession = field(init=False)
    _poller: LtpPoller = field(init=False)

    def __post_init__(self, client: MotilalClient, feed_url: str) -> None:
        settings = self.settings
        self.session = FeedSession(
            feed_url,
            client.client_code,
            self._on_packet,
            self._on_state,
            silence_seconds=settings.feed_silence_seconds,
            backoff=Backoff(
                initial=settings.feed_backoff_initial_seconds,
                maximum=settings.feed_backoff_max_seconds,
            ),
        )
        self._poller = LtpPoller(
            client, self._on_rest_quote, self._is_index, settings.poll_concurrency
        )
        metrics.FEED_CONNECTED.set(0)

    # ---- intake --------------------------------------------------------------------------

    def _on_packet(self, packet: codec.FeedPacket) -> None:
        key = self._book.fold(packet)
        if key is not None:
            metrics.QUOTES_RECEIVED.labels("feed").inc()
            self._conflator.mark(key)

    def _on_rest_quote(self, quote: Quote) -> None:
        metrics.QUOTES_RECEIVED.labels("rest").inc()
        self._conflator.mark(self._book.put(quote))

    def _on_state(self, connected: bool) -> None:
        metrics.FEED_CONNECTED.set(1 if connected else 0)
        if connected:
            metrics.FEED_CONNECTS.inc()
            self._down_since = None
        elif self._down_since is None:
            self._down_since = monotonic()

    def _is_index(self, key: FeedKey) -> bool:
        try:
            return not self.catalog.master.get(key[1], key[0]).tradeable
        except LookupError:
            return False

    # ---- loops (run by the runtime as background tasks) ------------------------------------

    async def run_feed(self) -> None:
        if not self.settings.feed_enabled:
            log.info("quote feed disabled (MARKET_DATA_FEED_ENABLED=false): REST polling only")
            return
        await self.session.run()

    async def flush_loop(self) -> None:
        """Flush when something changed, at most once per window; parked while idle."""
        window = self.settings.conflate_ms / 1000
        last = -window
        while True:
            await self._conflator.wait()
            # Ticks that arrive while the rest of the window runs out join this flush.
            rest = last + window - monotonic()
            if rest > 0:
                await asyncio.sleep(rest)
            last = monotonic()
            await self.flush()

    async def flush(self) -> int:
        """Write every changed token's latest quote to Redis and Kafka; returns how many."""
        keys = self._conflator.drain()
        replaced = self._conflator.replaced
        metrics.QUOTES_CONFLATED.inc(replaced - self._replaced_seen)
        self._replaced_seen = replaced
        quotes = [q for q in map(self._book.quote, keys) if q is not None]
        if not quotes:
            return 0
        saved: object
        published: object
        saved, published = await asyncio.gather(
            save_quotes(self.redis(), quotes, self.settings.quote_ttl_seconds),
            self.publisher.publish_many(QUOTES, quotes),
            return_exceptions=True,
        )
        if isinstance(saved, BaseException):
            metrics.QUOTE_SAVE_FAILURES.inc()
            log.warning("saving %d quotes in Redis failed: %r", len(quotes), saved)
        if isinstance(published, BaseException):
            # Quotes are superseded within milliseconds: drop this flush, never queue it.
            metrics.PUBLISH_FAILURES.inc()
            log.warning("publishing %d quotes failed: %r", len(quotes), published)
            return 0
        metrics.QUOTES_PUBLISHED.inc(len(quotes))
        return len(quotes)

    def interest_changed(self) -> None:
        """Stored interest changed (called after the handlers' write committed)."""
        self._interest_stale = True
        self._interest_changed.set()

    async def subscription_loop(self) -> None:
        while True:
            await self.refresh_subscriptions()
            # Woken early by an interest change; else the leases are re-read on schedule.
            with contextlib.suppress(TimeoutError):
                async with asyncio.timeout(self.settings.watch_refresh_seconds):
                    await self._interest_changed.wait()

    async def refresh_subscriptions(self) -> Selection:
        self._interest_changed.clear()
        read_at = self._interest_read_at
        if (
            self._interest_stale
            or read_at is None
            or (monotonic() - read_at >= INTEREST_REREAD_SECONDS)
        ):
            self._interest_stale = False  # a change during the read marks it stale again
            self._interest = (
                await store_interest.open_position_keys(self.pool()),
                await store_interest.open_order_keys(self.pool()),
            )
            self._interest_read_at = monotonic()
        positions, orders = self._interest
        watched = self._resolve_watched(await watched_tokens(self.redis()))
        selection = select(positions, orders, watched, self.settings.feed_max_subscriptions)
        if selection.left_out and len(selection.left_out) != len(self._selection.left_out):
            log.warning(
                "feed limit %d reached: %d tokens left out (lowest priority first: %s)",
                self.settings.feed_max_subscriptions,
                len(selection.left_out),
                selection.left_out[:10],
            )
        self._selection = selection
        await self.session.subscribe_exactly(set(selection.chosen))
        metrics.FEED_SUBSCRIPTIONS.set(len(selection.chosen))
        metrics.FEED_LEFT_OUT.set(len(selection.left_out))
        return selection

    async def fallback_loop(self) -> None:
        """While the feed is down, poll the subscribed tokens over REST."""
        while True:
            started = monotonic()
            if self.polling:
                self._polled = await self._poller.poll_round(self._selection.chosen)
            elapsed = monotonic() - started
            await asyncio.sleep(max(self.settings.poll_interval_seconds - elapsed, 0.2))

    async def purge_loop(self) -> None:
        while True:
            await store_interest.purge_closed(self.pool())
            await asyncio.sleep(3600)

    # ---- state -----------------------------------------------------------------------------

    @property
    def polling(self) -> bool:
        if not self.settings.feed_enabled:
            return True
        down = self._down_since
        return down is not None and monotonic() - down >= POLL_GRACE_SECONDS

    def status(self) -> dict[str, Any]:
        s = self.session
        down_for = None if self._down_since is None else round(monotonic() - self._down_since, 1)
        return {
            "feed_enabled": self.settings.feed_enabled,
            "connected": s.connected,
            "connects": s.connects,
            "down_for_seconds": down_for,
            "last_error": s.last_error,
            "polling_rest": self.polling,
            "subscribed": [f"{e.value}:{t}" for e, t in self._selection.chosen],
            "left_out": [f"{e.value}:{t}" for e, t in self._selection.left_out],
            "limit": self.settings.feed_max_subscriptions,
        }

    def ready_note(self) -> str:
        count = len(self._selection.chosen)
        if self.session.connected:
            return f"quote feed live: {count} scrips subscribed"
        if self.polling:
            return (
                f"degraded: quote feed down ({self.session.last_error or 'not connected yet'}); "
                f"polling {count} tokens over REST every {self.settings.poll_interval_seconds:g} s"
            )
        return "quote feed connecting"

    def _resolve_watched(self, leases: list[tuple[Exchange | None, int]]) -> list[FeedKey]:
        master = self.catalog.master
        keys: list[FeedKey] = []
        for exchange, token in leases:
            if exchange is not None:
                keys.append((exchange, token))
                continue
            record = master.preferred(token)
            if record is not None:
                keys.append(record.key)
        return keys


def feed_url(motilal: MotilalSettings) -> str:
    """Where the feed is: MotilalSettings.hosts derives it from the environment and base URL."""
    return motilal.hosts.feed
