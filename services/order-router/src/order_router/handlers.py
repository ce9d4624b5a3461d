"""Kafka handlers of the order-router: thin, each hands a batch to the part that owns it.

- accounts.clients.v1, accounts.sessions.v1, accounts.margins.v1: the account copies
  (accounts.py) that risk reads;
- orders.requests.v1: the intake (intake.py): risk, then a command to the adapter;
- orders.events.v1: the event applier (events.py): each order's status moves
  (transitions.py) and is published on orders.updates.v1.
"""

from collections.abc import Sequence
from typing import Protocol

from common.contracts.envelope import Message

from order_router.accounts import AccountCopies
from order_router.events import EventApplier
from order_router.intake import Intake


class Parts(Protocol):
    """What the handlers reach: the router's parts, built at startup (app.py)."""

    intake: Intake
    events: EventApplier
    accounts: AccountCopies


class RouterHandlers:
    """Made with the wiring; the parts they call are built at startup, before consuming."""

    def __init__(self, parts: Parts) -> None:
        self.parts = parts

    async def on_requests(self, messages: Sequence[Message]) -> None:
        await self.parts.intake.handle(messages)

    async def on_events(self, messages: Sequence[Message]) -> None:
        await self.parts.events.handle(messages)

    async def on_clients(self, messages: Sequence[Message]) -> None:
        await self.parts.accounts.on_clients(messages)

    async def on_sessions(self, messages: Sequence[Message]) -> None:
        await self.parts.accounts.on_sessions(messages)

    async def on_margins(self, messages: Sequence[Message]) -> None:
        await self.parts.accounts.on_margins(messages)
