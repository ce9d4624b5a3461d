"""The live channel hub: Kafka-fed updates fanned out to subscribed WebSockets.

A channel is `<kind>:<id>` (`orders:{client_id}`, `batch:{batch_id}`; other modules add
kinds such as `quotes` or `portfolio` with `hub.add_kind`). Producers call
`hub.publish(channel, key, message)`: it never blocks and never waits for a socket.

Each socket has its own outbox with conflation: the outbox keeps only the LATEST message
per (channel, key) not yet sent. A slow socket therefore receives the newest state of every
order (or quote) it follows, skipping intermediate ones, and never slows anyone else; the
outbox is bounded by the number of distinct keys, not by the message rate.

A message is encoded to JSON once, when it is published, and that text is what every
subscriber's outbox holds and its socket sends: fan-out to N sockets costs one encoding.
"""

import asyncio
import json
import logging
from collections import OrderedDict
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass
from typing import Any

from common.consumers import Wants
from common.contracts.envelope import Message
from common.service import ServiceRuntime
from common.topics import Topic

log = logging.getLogger(__name__)

Snapshot = Callable[[str], Awaitable[list[tuple[str, dict[str, Any]]]]]
"""Given a channel's id, the (key, message) pairs a new subscriber gets first."""


@dataclass(frozen=True)
class ChannelKind:
    name: str
    description: str
    snapshot: Snapshot | None = None


def encode(message: dict[str, Any]) -> str:
    """The text frame of a hub message (compact JSON)."""
    return json.dumps(message, separators=(",", ":"), default=str)


class Outbox:
    """One socket's pending text frames, conflated per (channel, key)."""

    def __init__(self, max_keys: int = 10_000) -> None:
        self._pending: OrderedDict[tuple[str, str], str] = OrderedDict()
        self._ready = asyncio.Event()
        self.max_keys = max_keys
        self.dropped = 0

    def offer(self, channel: str, key: str, message: str) -> None:
        slot = (channel, key)
        if slot in self._pending:
            self._pending[slot] = message  # conflate: the newest replaces the unsent one
        else:
            if len(self._pending) >= self.max_keys:
                self._pending.popitem(last=False)
                self.dropped += 1
            self._pending[slot] = message
        self._ready.set()

    async def take(self) -> list[str]:
        """Wait for frames, then hand over everything pending, oldest key first."""
        await self._ready.wait()
        self._ready.clear()
        messages = list(self._pending.values())
        self._pending.clear()
        return messages


def consume_live(
    runtime: ServiceRuntime,
    topic: Topic,
    handler: Callable[[Sequence[Message]], Awaitable[None]],
    *,
    wants: Wants | None = None,
) -> None:
    """Feed this process's sockets from what `topic` gets from now on (a channel's snapshot
    covers the past). The live feeds share this process's own group member, so every
    gateway replica sees every message (each replica serves its own sockets)."""
    runtime.follow(topic, handler, wants=wants)


class Hub:
    def __init__(self) -> None:
        self.kinds: dict[str, ChannelKind] = {}
        self._subscribers: dict[str, set[Outbox]] = {}

    def add_kind(self, kind: str, description: str, snapshot: Snapshot | None = None) -> None:
        self.kinds[kind] = ChannelKind(kind, description, snapshot)

    def check_channel(self, channel: str) -> str | None:
        """None if `channel` can be subscribed to, else what is wrong with it."""
        kind, sep, ident = channel.partition(":")
        if not sep or not ident:
            return f"channel {channel!r} must look like <kind>:<id>, e.g. orders:C1"
        if kind not in self.kinds:
            known = ", ".join(sorted(self.kinds)) or "none"
            return f"unknown channel kind {kind!r} (known: {known})"
        return None

    async def subscribe(self, outbox: Outbox, channel: str) -> None:
        self._subscribers.setdefault(channel, set()).add(outbox)
        kind, _, ident = channel.partition(":")
        snapshot = self.kinds[kind].snapshot
        if snapshot is None:
            return
        try:
            for key, message in await snapshot(ident):
                outbox.offer(channel, key, encode(message))
        except Exception:
            log.exception("snapshot of %s failed; live updates continue without it", channel)

    def unsubscribe(self, outbox: Outbox, channel: str | None = None) -> None:
        channels = [channel] if channel else list(self._subscribers)
        for name in channels:
            subscribers = self._subscribers.get(name)
            if subscribers is not None:
                subscribers.discard(outbox)
                if not subscribers:
                    del self._subscribers[name]

    def has_subscribers(self, channel: str) -> bool:
        return channel in self._subscribers

    def publish(self, channel: str, key: str, message: dict[str, Any]) -> int:
        """Offer `message` to every subscriber of `channel`; returns how many."""
        subscribers = self._subscribers.get(channel)
        if not subscribers:
            return 0
        text = encode(message)  # once, whatever the number of sockets
        for outbox in subscribers:
            outbox.offer(channel, key, text)
        return len(subscribers)


hub = Hub()
"""The process's hub: the Kafka feeds publish into it, /ws sockets subscribe to it."""
