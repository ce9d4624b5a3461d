"""Broker-adapter replicas share the command inbox through leases (issue 13 item 9).

On the stack's real PostgreSQL, in a schema of this test's own: a replica's rows are its
own while it renews them; a replica starting beside a live one claims none of them (it
used to resume every unfinished row, so two replicas ran one command); a dead replica's
rows are claimed once its lease runs out; and a client's new rows go to the replica still
running its earlier ones, so one replica runs a client at a time, in order.
"""

import asyncio
from collections.abc import AsyncIterator
from pathlib import Path

import asyncpg
import pytest
from broker_adapter.execution import store_inbox
from common.contracts.commands import PlaceOrder
from factories import make
from schemas import migrated_pool
from stack.testing import TestStack

MIGRATIONS = Path(store_inbox.__file__).parents[1] / "migrations"
LEASE_S = 1.0


@pytest.fixture
async def pool(stack: TestStack) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(stack.postgres_dsn, "broker_adapter", MIGRATIONS) as pool:
        yield pool


def place(order_id: str, client_id: str) -> PlaceOrder:
    return make(PlaceOrder, order_id=order_id, client_id=client_id)


async def test_inbox_rows_belong_to_their_live_replica_and_pass_on_when_it_stops(
    pool: asyncpg.Pool,
) -> None:
    a, b = "replica-a", "replica-b"
    stored = await store_inbox.store_commands(
        pool, [place("o1", "c1"), place("o2", "c2")], a, LEASE_S
    )
    assert [r.command.order_id for r in stored] == ["o1", "o2"]
    # a replica starting beside a live one takes nothing of it
    assert await store_inbox.renew_and_claim(pool, b, LEASE_S) == []
    # the live one renews and keeps its rows, in order
    mine = await store_inbox.renew_and_claim(pool, a, LEASE_S)
    assert [r.command.order_id for r in mine] == ["o1", "o2"]

    # a client with rows a still runs: its new rows, stored by b, are a's to run after them
    assert await store_inbox.store_commands(pool, [place("o3", "c1")], b, LEASE_S) == []
    assert [r.command.order_id for r in await store_inbox.renew_and_claim(pool, a, LEASE_S)] == [
        "o1",
        "o2",
        "o3",
    ]
    # a client nobody runs: its rows are the storing replica's
    new = await store_inbox.store_commands(pool, [place("o4", "c3")], b, LEASE_S)
    assert [r.command.order_id for r in new] == ["o4"]

    await store_inbox.finish_many(pool, [(mine[0].seq, "placed")])
    await asyncio.sleep(LEASE_S * 1.5)  # a stops renewing: it died
    taken = await store_inbox.renew_and_claim(pool, b, LEASE_S)
    assert [r.command.order_id for r in taken] == ["o2", "o3", "o4"]  # o1 was done
    assert await store_inbox.renew_and_claim(pool, a, LEASE_S) == []  # a back: b has them
