"""Which clients a portfolio replica's live book holds, and what a rebalance does to it."""

from datetime import date
from decimal import Decimal

from aiokafka.partitioner import DefaultPartitioner
from common.assignment import Assigned, partition_of
from common.enums import Exchange
from common.topics import ORDER_EVENTS
from portfolio.book import Position, PositionBook
from portfolio.live import Conflator, LiveBook, Loaded
from portfolio.ownership import Ownership, among
from portfolio_fills import fill

INFY = (Exchange.NSE, 1594)
DAY = date(2026, 9, 1)


def test_partition_of_a_client_is_the_one_the_producers_pick() -> None:
    partitions = list(range(ORDER_EVENTS.partitions))
    producers = DefaultPartitioner()
    for n in range(500):
        client = f"C{n:05d}"
        picked = producers(client.encode(), partitions, partitions)
        assert partition_of(client, ORDER_EVENTS.partitions) == picked


def test_ownership_first_assignment_loads_every_partition_then_only_changes() -> None:
    ownership = Ownership()
    assert not ownership.followed and not ownership.owns("a")
    first = Assigned(frozenset({0, 1, 2, 3}), 8)
    assert ownership.gained(first) == {0, 1, 2, 3}
    ownership.take(first)
    assert ownership.gained(Assigned(frozenset({0, 1, 2, 3}), 8)) is None  # nothing to do
    assert ownership.gained(Assigned(frozenset({2, 3, 4}), 8)) == {4}  # 0 and 1 are lost
    assert ownership.gained(Assigned(frozenset({2, 3}), 8)) == frozenset()  # losses only
    # more partitions deal every client out afresh: all of them are loaded again
    assert ownership.gained(Assigned(frozenset({0, 1}), 16)) == {0, 1}


def test_ownership_owns_exactly_the_clients_of_its_partitions() -> None:
    clients = [f"C{n:05d}" for n in range(200)]
    halves = [Assigned(frozenset({0, 1, 2, 3}), 8), Assigned(frozenset({4, 5, 6, 7}), 8)]
    owners = [Ownership(), Ownership()]
    for ownership, half in zip(owners, halves, strict=True):
        ownership.take(half)
    for client in clients:
        assert [o.owns(client) for o in owners].count(True) == 1, client
    mine = among(clients, halves[0], halves[0].partitions)
    assert mine and mine == sorted(c for c in clients if owners[0].owns(c))


def _loaded(client: str, *positions: Position, realized: str = "0") -> Loaded:
    return Loaded(
        frozenset({client}),
        [(p, None) for p in positions if p.net_quantity != 0],
        {client: Decimal(realized)},
        {},
        DAY,
    )


def test_live_book_leaves_out_fills_of_clients_it_does_not_own() -> None:
    live = LiveBook(owns=lambda client: client == "a")
    reference = PositionBook()
    (mine,) = reference.apply(fill("BUY", 10, "100", trade_no="A1", client_id="a"))
    (theirs,) = reference.apply(fill("BUY", 5, "100", trade_no="B1", client_id="b"))
    live.apply(
        [mine, theirs],
        {"a": Decimal("3"), "b": Decimal("7")},
        {mine.position_id: None, theirs.position_id: None},
    )
    assert live.clients() == {"a"}
    assert live.mark({INFY: Decimal("101")}) == {"a"}  # b's holder is another replica's
    assert live.pnl("b").realized == 0 and live.pnl("b").unrealized == 0


def test_live_book_dropped_client_is_forgotten_and_no_tick_moves_it() -> None:
    reference = PositionBook()
    (a,) = reference.apply(fill("BUY", 10, "100", trade_no="A1", client_id="a"))
    (b,) = reference.apply(fill("BUY", 5, "100", trade_no="B1", client_id="b"))
    live = LiveBook()
    live.load([(a, None), (b, None)], {"a": Decimal("3"), "b": Decimal("7")})
    live.drop(["b"])
    assert live.clients() == {"a"} and live.open_count == 1
    assert live.mark({INFY: Decimal("102")}) == {"a"}
    assert live.instruments() == [INFY]
    live.drop(["a"])
    assert live.instruments() == [] and live.clients() == set()  # no empty index left


def test_live_book_regained_client_starts_from_stored_state_not_an_old_sum() -> None:
    reference = PositionBook()
    (opened,) = reference.apply(fill("BUY", 10, "100", trade_no="A1", client_id="a"))
    live = LiveBook()
    live.replace(_loaded("a", opened, realized="5"))
    # another replica applied a sale meanwhile: 4 sold at 110 booked 40 more, 6 left
    changed = reference.apply(fill("SELL", 4, "110", trade_no="A2", client_id="a", seq=1))
    live.replace(_loaded("a", *changed, realized="45"))
    live.mark({INFY: Decimal("120")})
    pnl = live.pnl("a")
    assert pnl.realized == Decimal("45")  # the stored sum, not 5 + anything
    assert pnl.unrealized == Decimal("120")  # the 6 left, from 100 to 120
    assert live.open_count == 1


def test_conflator_dropped_client_is_not_due_and_its_next_figure_goes_out() -> None:
    window = Conflator(1.0)
    window.sent("b", Decimal("10"), now=0.0)
    window.touch(["a", "b"])
    window.drop(["b"])
    assert window.take_due(now=5.0) == ["a"]
    assert window.changed("b", Decimal("10"))  # regained later: its figure is owed again
