"""Quotes for the live hub, from marketdata.quotes.v1, and watch leases for market-data.

Channel `quotes:{token}` (or `quotes:{EXCHANGE}:{token}`): the latest quote of one token.
Messages are conflated per channel (hub key ""), so a slow socket gets the newest price
and never a backlog. A new subscriber first gets the latest quote from Redis.

Every replica reads the topic with its own consumer group from the latest offset, so each
sees every quote for the sockets it holds. It also tells market-data which tokens its
sockets watch by leasing them in Redis `watch:tokens` (market-data's contract, see
market_data/watch.py): a lease renewed every `LEASE_RENEW_SECONDS` while anyone watches,
which simply expires after a crash.
"""

import asyncio
import logging
import time
from collections.abc import Sequence
from typing import Any

from common.contracts.envelope import Message
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.redis_keys import latest_quote
from common.service import ServiceRuntime
from common.topics import QUOTES

from gateway.live import LIVE_GROUP, Hub

log = logging.getLogger(__name__)

WATCH_KEY = "watch:tokens"
LEASE_SECONDS = 30.0
LEASE_RENEW_SECONDS = 10.0
_DATA_FIELDS = (
    "token",
    "exchange",
    "ltp",
    "bid",
    "ask",
    "volume",
    "open",
    "high",
    "low",
    "close",
    "quoted_at",
)


def parse_quote_channel(ident: str) -> tuple[Exchange | None, int] | None:
    """`2885` or `NSE:2885` -> (exchange or None, token); None when it is neither."""
    exchange_text, _, token_text = ident.rpartition(":")
    if not token_text.isdigit() or int(token_text) <= 0:
        return None
    try:
        exchange = Exchange(exchange_text.upper()) if exchange_text else None
    except ValueError:
        return None
    return exchange, int(token_text)


_INCLUDE = set(_DATA_FIELDS)


def quote_data(quote: Quote) -> dict[str, Any]:
    return quote.model_dump(mode="json", include=_INCLUDE)


def quote_message(channel: str, quote: Quote, data: dict[str, Any] | None = None) -> dict[str, Any]:
    return {
        "channel": channel,
        "type": "quote",
        "data": quote_data(quote) if data is None else data,
    }


class QuoteFeed:
    def __init__(self, hub: Hub, runtime: ServiceRuntime) -> None:
        self.hub = hub
        self.runtime = runtime
        self.watched: set[str] = set()
        """Channel ids (`2885`, `BSE:500325`) subscribed here at some point; pruned on renew."""

    async def handle(self, messages: Sequence[Message]) -> None:
        # A Kafka batch may hold several quotes of one token: only its latest is pushed.
        latest: dict[tuple[Exchange, int], Quote] = {}
        for quote in messages:
            if isinstance(quote, Quote):
                latest[(quote.exchange, quote.token)] = quote
        for quote in latest.values():
            self.push(quote)

    def push(self, quote: Quote) -> None:
        data: dict[str, Any] | None = None  # dumped once, only if a socket follows the token
        for channel in (f"quotes:{quote.token}", f"quotes:{quote.exchange.value}:{quote.token}"):
            if self.hub.has_subscribers(channel):
                data = data or quote_data(quote)
                self.hub.publish(channel, "", quote_message(channel, quote, data))

    async def snapshot(self, ident: str) -> list[tuple[str, dict[str, Any]]]:
        """On subscribe: lease the token at once, and send the latest quote if there is one."""
        parsed = parse_quote_channel(ident)
        if parsed is None:
            return []
        self.watched.add(ident)
        await self._lease([ident])
        quote = await latest_quote(self.runtime.redis, parsed[1])
        if quote is None or (parsed[0] and quote.exchange != parsed[0]):
            return []
        return [("", quote_message(f"quotes:{ident}", quote))]

    async def renew_loop(self) -> None:
        while True:
            await asyncio.sleep(LEASE_RENEW_SECONDS)
            self.watched = {i for i in self.watched if self.hub.has_subscribers(f"quotes:{i}")}
            await self._lease(sorted(self.watched))

    async def _lease(self, members: list[str]) -> None:
        if members:
            expiry = time.time() + LEASE_SECONDS
            await self.runtime.redis.zadd(WATCH_KEY, dict.fromkeys(members, expiry), gt=True)


def install(runtime: ServiceRuntime, hub: Hub) -> QuoteFeed:
    """Register the `quotes` channel kind, this replica's quote consumer and lease renewal."""
    feed = QuoteFeed(hub, runtime)
    hub.add_kind(
        "quotes",
        "the latest quote of one token, conflated; id = token or EXCHANGE:token",
        snapshot=feed.snapshot,
    )
    runtime.consume(
        QUOTES,
        feed.handle,
        group=LIVE_GROUP,
        from_beginning=False,
    )
    runtime.background(feed.renew_loop)
    return feed
