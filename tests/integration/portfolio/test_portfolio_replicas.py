"""Two portfolio replicas in one consumer group (issue 13): each client's live P&L is marked
and published by the one replica that applies its fills, and when that replica dies the
other takes its clients over from what PostgreSQL holds, not from a sum it loaded earlier.

Real processes, Kafka, PostgreSQL and Redis (the session's stack); clients of the test's
own (one for each partition of orders.events.v1, so both replicas hold some) on an
instrument no exchange master lists. No simulator accounts are used.
"""

import signal
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from common.assignment import partition_of
from common.enums import Side
from common.ids import new_id
from common.topics import ORDER_EVENTS
from portfolio_testkit import Tap, buy, tick, unlisted, until
from stack.testing import TestStack

pytestmark = pytest.mark.slow


def one_client_per_partition() -> list[str]:
    found: dict[int, str] = {}
    while len(found) < ORDER_EVENTS.partitions:
        client = f"rp-{new_id()[:10]}"
        found.setdefault(partition_of(client, ORDER_EVENTS.partitions), client)
    return sorted(found.values())


def fill_pnl(tap: Tap, client: str) -> list[dict[str, Any]]:
    """The client's P&L updates caused by its fills (the fill's envelope), oldest first."""
    return [u for u in tap.of(client, "pnl.changed") if u["actor"] != "portfolio"]


def held_partitions(log: str) -> list[int]:
    """The partitions a replica's live book follows, as its last hand-over logged them."""
    followed = [line for line in log.splitlines() if "live book follows partitions" in line]
    if not followed:
        return []
    listed = followed[-1].split("live book follows partitions [", 1)[1].split("]", 1)[0]
    return [int(p) for p in listed.split(",") if p.strip()]


def figures(update: dict[str, Any]) -> tuple[Decimal, Decimal]:
    return Decimal(update["realized_pnl"]), Decimal(update["unrealized_pnl"])


async def test_portfolio_two_replicas_one_publisher_per_client_and_takeover_from_postgres(
    portfolio_url: str, producer: AIOKafkaProducer, stack: TestStack
) -> None:
    names = await stack.start_replicas("portfolio", 2)
    headers = stack.internal_headers()
    apis = {n: httpx.AsyncClient(base_url=stack.url_of(n), headers=headers) for n in names}
    instrument = unlisted(990201)
    clients = one_client_per_partition()
    try:
        async with Tap(stack.kafka_bootstrap, set(clients)) as tap:
            for client in clients:  # 10 bought at 100, 4 sold at 110: 40 realized
                await buy(producer, client, instrument, 10, "100")
                await buy(producer, client, instrument, 4, "110", side=Side.SELL)

            async def sold() -> bool:
                return all(any(figures(u)[0] == 40 for u in fill_pnl(tap, c)) for c in clients)

            await until(sold, what="every client's sale applied and its P&L told")
            (position, *_) = (
                await apis[names[0]].get("/internal/positions", params={"client_id": clients[0]})
            ).json()
            await tick(producer, instrument, "120")

            async def marked_everywhere() -> bool:
                """Every replica read the quote: its read API marks at the new price."""
                for api in apis.values():
                    answer = await api.get(f"/internal/positions/{position['position_id']}")
                    if answer.json()["last_price"] != "120":
                        return False
                return True

            await until(marked_everywhere, what="the quote read by both replicas")
            # both replicas hold some of the partitions, together all of them once (what
            # each logged it follows last); the exactly one P&L per client below then shows
            # that each holder was marked on one replica only
            held = [held_partitions(stack.log_of(n)) for n in names]
            assert all(held), held
            assert sorted(p for h in held for p in h) == list(range(ORDER_EVENTS.partitions))

            async def told() -> bool:
                return all(tap.tick_pnl(c) for c in clients)

            await until(told, what="every client's P&L after the quote")
            for client in clients:
                (update,) = tap.tick_pnl(client)
                assert figures(update) == (40, 120), update  # 6 held, from 100 to 120

            # the second replica dies: the first takes its clients over from PostgreSQL
            stack.kill(names[1])
            for client in clients:  # 1 more sold at 125: 25 more realized, 5 left
                await buy(producer, client, instrument, 1, "125", side=Side.SELL)

            async def taken_over() -> bool:
                return all(any(figures(u)[0] == 65 for u in fill_pnl(tap, c)) for c in clients)

            await until(taken_over, what="every client's second sale told by the survivor")
            for client in clients:
                assert figures(fill_pnl(tap, client)[-1]) == (65, 100), client  # 5 x 20
            await tick(producer, instrument, "130")

            async def marked_again() -> bool:
                return all(
                    (ups := tap.tick_pnl(c)) and figures(ups[-1]) == (65, 150) for c in clients
                )

            await until(marked_again, what="every client marked at 130 by the survivor")
    finally:
        for api in apis.values():
            await api.aclose()
        child = stack.platform.supervisor.children.get(names[1])
        if child is not None and child.process.poll() is None:
            stack.kill(names[1], signal.SIGTERM)
