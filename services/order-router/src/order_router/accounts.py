"""Keeps the router's own copies of the account topics (clients, sessions, margins).

Risk reads these copies from the router's database, one query per batch: no call to the
gateway or the adapter on the order path. Upserts keep the newest message per client.
"""

from collections.abc import Sequence
from typing import TypeVar

import asyncpg
from common.contracts.accounts import ClientUpserted, MarginSnapshot, SessionChanged
from common.contracts.envelope import Message

from order_router import store

M = TypeVar("M", ClientUpserted, SessionChanged)


class AccountCopies:
    def __init__(self, pool: asyncpg.Pool) -> None:
        self.pool = pool

    async def on_clients(self, messages: Sequence[Message]) -> None:
        latest = _latest([m for m in messages if isinstance(m, ClientUpserted)])
        await store.upsert_clients(self.pool, latest)

    async def on_sessions(self, messages: Sequence[Message]) -> None:
        latest = _latest([m for m in messages if isinstance(m, SessionChanged)])
        await store.upsert_sessions(self.pool, latest)

    async def on_margins(self, messages: Sequence[Message]) -> None:
        snapshots = [m for m in messages if isinstance(m, MarginSnapshot)]
        newest: dict[tuple[str, str], MarginSnapshot] = {}
        for m in snapshots:
            key = (m.client_id, m.report)
            if key not in newest or newest[key].taken_at <= m.taken_at:
                newest[key] = m
        await store.upsert_margins(self.pool, list(newest.values()))


def _latest(messages: Sequence[M]) -> list[M]:
    by_client: dict[str, M] = {}
    for m in messages:
        if m.client_id not in by_client or by_client[m.client_id].occurred_at <= m.occurred_at:
            by_client[m.client_id] = m
    return list(by_client.values())
