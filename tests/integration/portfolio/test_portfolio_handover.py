"""The live book following a consumer-group assignment, against real PostgreSQL.

Two owners stand for two replicas over one schema; each is told its assignment by the
test (as the group would deal it) and loads, drops and reloads its clients from what the
ledger stored. Fills are applied with the ledger itself, as either replica would.
"""

from decimal import Decimal

import asyncpg
from common.assignment import Assigned, partition_of
from common.cache import create_redis
from common.contracts.order_events import OrderFilled
from common.enums import Side
from common.ids import new_id
from common.kafka import Publisher, build_broker, ensure_topics
from common.settings import ServiceSettings
from common.topics import ORDER_EVENTS, PORTFOLIO_UPDATES
from factories import RELIANCE, make
from portfolio.handlers import PortfolioHandlers
from portfolio.handover import BookOwner
from portfolio.ledger import apply_fills
from portfolio.live import InstrumentKey, LiveBook
from portfolio.updates import UpdatePublisher
from stack.testing import TestStack

COUNT = ORDER_EVENTS.partitions
LOW, HIGH = frozenset(range(COUNT // 2)), frozenset(range(COUNT // 2, COUNT))
PRICE = (RELIANCE.exchange, RELIANCE.token)


class Group:
    """The assignment the test deals to one owner."""

    def __init__(self) -> None:
        self.assigned: Assigned | None = None

    def __call__(self) -> Assigned | None:
        return self.assigned

    def deal(self, partitions: frozenset[int]) -> None:
        self.assigned = Assigned(partitions, COUNT)


async def no_prices(_instruments: set[InstrumentKey]) -> dict[InstrumentKey, Decimal]:
    return {}


def owner_of(pool: asyncpg.Pool, group: Group) -> BookOwner:
    # never started: following an assignment publishes nothing
    publisher = Publisher(build_broker(ServiceSettings(), "handover-test"))
    return BookOwner(pool, UpdatePublisher(LiveBook(), publisher, 1.0), group, no_prices, 1.0)


def client_in(partitions: frozenset[int]) -> str:
    while True:
        client = f"ho-{new_id()[:10]}"
        if partition_of(client, COUNT) in partitions:
            return client


def trade(client: str, side: Side, qty: int, price: str) -> OrderFilled:
    trade_no = new_id()[:12]
    return make(OrderFilled, client_id=client, order_id=f"o-{trade_no}", trade_no=trade_no,
                instrument=RELIANCE, side=side, quantity=qty, filled_quantity=qty,
                price=Decimal(price))  # fmt: skip


async def test_handover_each_owner_loads_exactly_the_clients_of_its_partitions(
    pool: asyncpg.Pool,
) -> None:
    low, high = client_in(LOW), client_in(HIGH)
    for client in (low, high):
        await apply_fills(pool, [trade(client, Side.BUY, 10, "100"),
                                 trade(client, Side.SELL, 4, "110")])  # fmt: skip
    groups = Group(), Group()
    owners = owner_of(pool, groups[0]), owner_of(pool, groups[1])
    groups[0].deal(LOW)
    groups[1].deal(HIGH)
    for owner in owners:
        assert not owner.followed
        await owner.follow()
        assert owner.followed
    assert owners[0].book.clients() == {low} and owners[1].book.clients() == {high}
    assert owners[0].book.mark({PRICE: Decimal("120")}) == {low}
    assert owners[1].book.mark({PRICE: Decimal("120")}) == {high}
    for owner, client in zip(owners, (low, high), strict=True):
        pnl = owner.book.pnl(client)
        assert (pnl.realized, pnl.unrealized) == (Decimal("40"), Decimal("120"))


async def test_handover_regained_client_is_read_again_not_added_to_an_old_sum(
    pool: asyncpg.Pool,
) -> None:
    client = client_in(LOW)
    await apply_fills(pool, [trade(client, Side.BUY, 10, "100"),
                             trade(client, Side.SELL, 4, "110")])  # fmt: skip
    group = Group()
    owner = owner_of(pool, group)
    group.deal(LOW | HIGH)
    await owner.follow()
    assert owner.book.pnl(client).realized == Decimal("40")

    group.deal(HIGH)  # the client's partition goes to another replica
    await owner.follow()
    assert owner.book.clients() == set() and owner.book.open_count == 0
    assert owner.book.mark({PRICE: Decimal("130")}) == set()  # nobody of its own holds it

    # the other replica applies a sale meanwhile: 2 at 125, 50 more realized, 4 left
    await apply_fills(pool, [trade(client, Side.SELL, 2, "125")])
    group.deal(LOW | HIGH)
    await owner.follow()
    pnl = owner.book.pnl(client)
    assert pnl.realized == Decimal("90")  # as stored: not 40, not 40 + 90
    assert pnl.unrealized == Decimal("120")  # 4 held, from 100 to the last quote, 130


async def test_handover_fill_applied_by_another_replica_first_is_read_back(
    pool: asyncpg.Pool, stack: TestStack
) -> None:
    client = client_in(LOW)
    group = Group()
    await ensure_topics(stack.kafka_bootstrap, [PORTFOLIO_UPDATES])
    broker = build_broker(ServiceSettings(KAFKA_BOOTSTRAP=stack.kafka_bootstrap), "handover-test")
    await broker.start()
    redis = create_redis(stack.redis_url)
    try:
        updates = UpdatePublisher(LiveBook(), Publisher(broker), 1.0)
        handlers = PortfolioHandlers(pool, redis, Publisher(broker), updates, 2, group, 1.0)
        group.deal(LOW)
        await handlers.owner.follow()  # loaded before the old owner's batch landed
        batch = [trade(client, Side.BUY, 10, "100"), trade(client, Side.SELL, 4, "110")]
        await apply_fills(pool, batch)  # the old owner commits it late
        await handlers.on_order_events(batch)  # and this replica gets it again
        pnl = updates.book.pnl(client)
        assert pnl.realized == Decimal("40")  # read back: the duplicates added nothing
        assert updates.book.open_count == 1
    finally:
        await redis.aclose()
        await broker.stop()


async def test_handover_revoked_partitions_are_dropped_at_once_and_reloaded_when_dealt_again(
    pool: asyncpg.Pool,
) -> None:
    # aiokafka calls `revoke` before the member rejoins (eagerly: with every partition it
    # held), so the next owner loads the clients only after this replica let them go
    low, high = client_in(LOW), client_in(HIGH)
    for client in (low, high):
        await apply_fills(pool, [trade(client, Side.BUY, 10, "100")])
    group = Group()
    owner = owner_of(pool, group)
    group.deal(LOW | HIGH)
    await owner.follow()
    assert owner.book.clients() == {low, high}

    await owner.revoke(sorted(LOW))
    assert owner.book.clients() == {high}  # the low client is no longer marked here
    assert owner.book.mark({PRICE: Decimal("105")}) == {high}
    await owner.revoke(sorted(LOW | HIGH))  # the rest, as an eager rebalance revokes all
    assert owner.book.clients() == set()

    # the other replica sold 5 of the high client's meanwhile; dealt back, both are read
    await apply_fills(pool, [trade(high, Side.SELL, 5, "110")])
    await owner.follow()  # the group deals the same partitions again
    assert owner.book.clients() == {low, high}
    assert owner.book.pnl(high).realized == Decimal("50")  # as stored, read afresh
