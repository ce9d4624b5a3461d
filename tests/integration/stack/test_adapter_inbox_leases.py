"""Broker-adapter replicas share the command inbox through leases (issue 13 item 9).

On the stack's real PostgreSQL, in a schema of this test's own: a replica's rows are its
own while it renews them; a replica starting beside a live one claims none of them (it
used to resume every unfinished row, so two replicas ran one command); a dead replica's
rows are claimed once its lease runs out; and a client's new rows go to the replica still
running its earlier ones, so one replica runs a client at a time, in order. The replicas
beat with their renewals, and exactly one live replica of a gone one's pool takes over the
open orders it placed or modified (tracking/takeover.py; with processes:
test_adapter_takeover.py).
"""

import asyncio
from collections.abc import AsyncIterator
from datetime import date
from pathlib import Path

import asyncpg
import pytest
from broker_adapter.egress import EgressPools
from broker_adapter.execution import store_inbox, store_intents
from broker_adapter.execution.store_intents import FillClaim, Settlement
from broker_adapter.tracking import store_followers
from common.contracts.commands import ModifyOrder, PlaceOrder
from factories import make, make_intent
from schemas import migrated_pool
from stack.testing import TestStack

MIGRATIONS = Path(store_inbox.__file__).parents[1] / "migrations"
LEASE_S = 1.0
LIVE_S = 60.0
"""The lease of a replica that stays alive through a test."""
DAY = date(2026, 11, 30)


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


async def test_a_stored_row_is_behind_when_its_client_has_earlier_rows_not_another_live_ones(
    pool: asyncpg.Pool,
) -> None:
    # A row that is not behind goes straight to its client's worker; one that is waits for
    # renew_and_claim to queue the client's earlier rows first (workers.handle_batch).
    a, b = "replica-a", "replica-b"
    (first, other) = await store_inbox.store_commands(
        pool, [place("p1", "k1"), place("p2", "k2")], a, LIVE_S
    )
    assert not first.behind and not other.behind  # nothing earlier: the common case
    (second,) = await store_inbox.store_commands(pool, [place("p3", "k1")], a, LIVE_S)
    assert second.behind  # p1 of the same client is unfinished: it runs first
    await store_inbox.finish_many(pool, [(first.seq, "placed"), (second.seq, "placed")])
    (third,) = await store_inbox.store_commands(pool, [place("p4", "k1")], a, LIVE_S)
    assert not third.behind  # everything earlier is done

    # b died holding k5's row; the row is not another live replica's once the lease is out
    await store_inbox.store_commands(pool, [place("p5", "k5")], b, LEASE_S)
    await asyncio.sleep(LEASE_S * 1.5)
    (stranded,) = await store_inbox.store_commands(pool, [place("p6", "k5")], a, LIVE_S)
    assert stranded.behind
    claimed = await store_inbox.renew_and_claim(pool, a, LIVE_S, known=[third.seq])
    assert [r.command.order_id for r in claimed] == ["p2", "p5", "p6"]  # p5 before p6


async def ran(pool: asyncpg.Pool, replica: str, command: PlaceOrder | ModifyOrder) -> None:
    """`replica` ran the command (its inbox row, finished); a place leaves its order PLACED."""
    (row,) = await store_inbox.store_commands(pool, [command], replica, LIVE_S)
    await store_inbox.finish_many(pool, [(row.seq, "done")])
    if isinstance(command, PlaceOrder):
        ((stored, _),) = await store_intents.record_intents(
            pool, [make_intent(command.order_id, client_id=command.client_id)]
        )
        await store_intents.place_many(pool, [(stored, f"U{command.order_id}")], DAY)


async def beat(pool: asyncpg.Pool, replica: str, lease_s: float = LIVE_S) -> list[str]:
    return await store_followers.beat_and_take_over(pool, replica, lease_s)


async def test_a_gone_replicas_open_orders_pass_to_one_live_replica_of_its_pool(
    pool: asyncpg.Pool,
) -> None:
    a, b, c = (EgressPools().inbox_owner() for _ in range(3))
    elsewhere = EgressPools.of("mumbai-a", ("default", "mumbai-a")).inbox_owner()
    for replica in (b, c, elsewhere):
        assert await beat(pool, replica) == []
    assert await beat(pool, a, LEASE_S) == []
    # a placed o1 (open, one fill reported) and o2 (ended since); b placed o3 and o4, and
    # a modified o4 (so a's tracker followed it too)
    await ran(pool, a, make(PlaceOrder, order_id="o1", client_id="c1"))
    await ran(pool, a, make(PlaceOrder, order_id="o2", client_id="c2"))
    await ran(pool, b, make(PlaceOrder, order_id="o3", client_id="c3"))
    await ran(pool, b, make(PlaceOrder, order_id="o4", client_id="c4"))
    await ran(pool, a, make(ModifyOrder, order_id="o4", client_id="c4"))
    o2 = (await store_intents.get_intents(pool, ["o2"]))["o2"]
    await store_intents.settle_many(pool, [Settlement(o2, "order.canceled", "Cancel")], DAY)
    fill = FillClaim("c1", "NSE", DAY, "T9", "o1", 4, 4, False, "{}")
    assert await store_intents.claim_fills(pool, [fill]) == [True]

    await asyncio.sleep(LEASE_S * 1.5)  # a stops beating: it died
    assert await beat(pool, elsewhere) == []  # another pool's replica never takes it
    assert await beat(pool, b) == [a]
    assert await beat(pool, c) == []  # b, alive, took it: one heir
    orders = await store_followers.open_orders_of(pool, [a])
    assert [(i.order_id, reported) for i, reported in orders] == [
        ("o1", frozenset({"T9"})),
        ("o4", frozenset()),
    ]
    bs = await store_followers.open_orders_of(pool, [b])
    assert [i.order_id for i, _ in bs] == ["o3", "o4"]  # b placed both

    assert await beat(pool, b, 0.0) == []  # b dies too: its own and a's pass to c
    assert await beat(pool, c) == sorted([a, b])
    # a comes back, then dies again: beating made it its own again, so it is taken again
    assert await beat(pool, a, LEASE_S) == []
    await asyncio.sleep(LEASE_S * 1.5)
    assert await beat(pool, c) == [a]
