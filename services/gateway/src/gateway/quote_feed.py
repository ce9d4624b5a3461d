"""Quotes for the live hub, from marketdata.quotes.v1, and watch leases for market-data.

Channel `quotes:{EXCHANGE}:{token}`: the latest quote of one instrument. Token numbers
repeat across exchanges (NSE 772 is not NSECD 772), so a channel names both; the older
`quotes:{token}` still works and means the NSE instrument of that number.
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
from collections.abc import Sequence
from typing import Any

from common.contracts.envelope import Message
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.redis_keys import QuoteKey, latest_quote, parse_instrument, watch_tokens
from common.service import ServiceRuntime
from common.topics import QUOTES

from gateway.live import Hub, consume_live

log = logging.getLogger(__name__)

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


LEGACY_EXCHANGE = Exchange.NSE
"""What a bare `quotes:{token}` channel (the form before exchanges were named) means."""


def parse_quote_channel(ident: str) -> tuple[Exchange, int] | None:
    """`NSECD:772` -> (NSECD, 772); a bare `2885` -> (NSE, 2885); None when it is neither."""
    parsed = parse_instrument(ident)
    if parsed is None or parsed[1] <= 0:
        return None
    exchange, token = parsed
    return exchange or LEGACY_EXCHANGE, token


def quote_channels(quote: Quote) -> tuple[str, ...]:
    """Every channel a quote is pushed on: its own, and the bare legacy one for NSE."""
    named = f"quotes:{quote.exchange.value}:{quote.token}"
    return (named, f"quotes:{quote.token}") if quote.exchange is LEGACY_EXCHANGE else (named,)


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
        for channel in quote_channels(quote):
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
        quote = await latest_quote(self.runtime.redis, *parsed)
        if quote is None:
            return []
        return [("", quote_message(f"quotes:{ident}", quote))]

    async def renew_loop(self) -> None:
        while True:
            await asyncio.sleep(LEASE_RENEW_SECONDS)
            self.watched = {i for i in self.watched if self.hub.has_subscribers(f"quotes:{i}")}
            await self._lease(sorted(self.watched))

    async def _lease(self, idents: list[str]) -> None:
        # always EXCHANGE:token, so market-data never guesses which exchange a bare number meant
        watched: list[QuoteKey] = [p for i in idents if (p := parse_quote_channel(i)) is not None]
        await watch_tokens(self.runtime.redis, watched, LEASE_SECONDS)


def install(runtime: ServiceRuntime, hub: Hub) -> QuoteFeed:
    """Register the `quotes` channel kind, this replica's quote consumer and lease renewal."""
    feed = QuoteFeed(hub, runtime)
    hub.add_kind(
        "quotes",
        "the latest quote of one instrument, conflated; id = EXCHANGE:token (a bare token: NSE)",
        snapshot=feed.snapshot,
    )
    consume_live(runtime, QUOTES, feed.handle)
    runtime.background(feed.renew_loop)
    return feed
