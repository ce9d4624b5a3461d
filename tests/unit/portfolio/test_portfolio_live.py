"""The live book (open positions and marks in memory) and the P&L conflation window."""

from collections.abc import Callable, Sequence
from decimal import Decimal

import pytest
from common.contracts.envelope import Message
from common.contracts.portfolio import PnlChanged
from common.enums import Exchange
from common.kafka import Publisher
from common.topics import Topic
from portfolio.book import PositionBook
from portfolio.live import Conflator, LiveBook
from portfolio.updates import UpdatePublisher
from portfolio_fills import fill

INFY = (Exchange.NSE, 1594)
TCS = (Exchange.NSE, 11536)


def book_of(*fills_in: object) -> LiveBook:
    """A live book loaded from the open positions the reference book derives from fills."""
    reference = PositionBook()
    reference.apply_all(fills_in)  # type: ignore[arg-type]
    realized: dict[str, Decimal] = {}
    for p in reference.positions.values():
        realized[p.key.client_id] = realized.get(p.key.client_id, Decimal(0)) + p.realized_pnl
    live = LiveBook()
    live.load(((p, None) for p in reference.positions.values() if p.net_quantity != 0), realized)
    return live


def test_live_book_tick_moves_only_holders_of_that_instrument() -> None:
    live = book_of(
        fill("BUY", 10, "100", trade_no="A1", client_id="a"),
        fill("BUY", 5, "3000", trade_no="B1", client_id="b", token=TCS[1]),
        fill("SELL", 2, "101", trade_no="C1", client_id="c"),
    )
    assert live.mark({INFY: Decimal("102")}) == {"a", "c"}
    assert live.pnl("a").unrealized == Decimal("20")
    assert live.pnl("c").unrealized == Decimal("-2")  # short 2 at 101, now 102
    assert live.pnl("b").unrealized == Decimal("0")  # no TCS price yet, marked at cost
    assert live.mark({INFY: Decimal("102")}) == set()  # the same price again moves nobody


def test_live_book_closed_position_stops_being_a_holder_and_keeps_realized() -> None:
    live = book_of(fill("BUY", 10, "100", trade_no="A1", client_id="a"))
    reference = PositionBook()
    reference.apply(fill("BUY", 10, "100", trade_no="A1", client_id="a"))
    (closed,) = reference.apply(fill("SELL", 10, "105", trade_no="A2", client_id="a", seq=1))
    live.apply([closed], {"a": closed.realized_pnl}, {closed.position_id: Decimal("105")})
    assert live.mark({INFY: Decimal("110")}) == set()
    assert live.pnl("a").realized == Decimal("50") and live.pnl("a").unrealized == 0
    assert live.open_count == 0 and live.instruments() == []


def test_live_book_seeded_price_gives_way_to_a_tick() -> None:
    live = book_of(fill("BUY", 1, "100", trade_no="A1", client_id="a"))
    live.mark({INFY: Decimal("101")})
    live.seed({INFY: Decimal("99")})
    assert live.last_price(INFY) == Decimal("101")


def test_conflator_one_publication_per_client_per_window() -> None:
    window = Conflator(1.0)
    window.touch(["a", "b"])
    assert window.take_due(now=10.0) == ["a", "b"]
    window.sent("a", Decimal("5"), now=10.0)
    window.sent("b", Decimal("7"), now=10.0)
    for tick_at in (10.1, 10.5, 10.9):
        window.touch(["a"])
        assert window.take_due(now=tick_at) == []
        assert window.seconds_until_due(tick_at) == pytest.approx(11.0 - tick_at)
    assert window.take_due(now=11.0) == ["a"]
    assert window.seconds_until_due(11.0) is None  # nothing dirty: the flush task sleeps


def test_conflator_clients_published_at_different_moments_go_out_in_one_flush() -> None:
    window = Conflator(1.0)
    window.touch(["a"])
    assert window.take_due(now=10.0) == ["a"]
    window.sent("a", Decimal("5"), now=10.0)
    window.sent("b", Decimal("7"), now=10.3)  # a fill's figure, between two flushes
    window.touch(["a", "b"])
    assert window.take_due(now=11.0) == ["a"]  # b's window runs until 11.3
    window.sent("a", Decimal("6"), now=11.0)
    window.touch(["a"])
    for at in (11.3, 11.6):  # b is due, but a flush went out less than a window ago
        assert window.take_due(now=at) == []
        assert window.seconds_until_due(at) == pytest.approx(12.0 - at)
    assert window.take_due(now=12.0) == ["a", "b"]  # from now on, one flush per window


def test_conflator_publishes_only_a_change_of_a_paisa_or_more() -> None:
    window = Conflator(1.0)
    assert window.changed("a", Decimal("10.00"))  # never published
    window.sent("a", Decimal("10.00"), now=0.0)
    assert not window.changed("a", Decimal("10.005"))
    assert not window.changed("a", Decimal("9.991"))
    assert window.changed("a", Decimal("10.01"))
    assert window.changed("a", Decimal("9.99"))


def test_conflator_fill_publication_resets_the_window_and_clears_dirt() -> None:
    window = Conflator(1.0)
    window.touch(["a"])
    window.taken(["a"])  # a fill's figure was read: the tick is in it
    window.sent("a", Decimal("1"), now=5.0)  # and went out
    assert window.seconds_until_due(5.0) is None
    window.touch(["a"])
    assert window.take_due(now=5.5) == []
    assert window.take_due(now=6.0) == ["a"]


@pytest.mark.parametrize("read", ["tick", "fill"])
def test_conflator_tick_while_a_figure_is_on_its_way_is_still_owed(read: str) -> None:
    window = Conflator(1.0)
    window.touch(["a"])
    if read == "tick":
        assert window.take_due(now=10.0) == ["a"]
    else:
        window.taken(["a"])
    window.touch(["a"])  # the last tick of a storm lands while the publication is awaited
    window.sent("a", Decimal("5"), now=10.0)
    assert window.seconds_until_due(10.0) == pytest.approx(1.0)
    assert window.take_due(now=11.0) == ["a"]


class TickWhilePublishing(Publisher):
    """Keeps what is published; the first publication lets a tick land while it is awaited."""

    def __init__(self) -> None:
        self.out: list[Message] = []
        self.meanwhile: Callable[[], None] | None = None

    async def publish_many(self, topic: Topic, messages: Sequence[Message]) -> None:
        self.out.extend(messages)
        if self.meanwhile is not None:
            land, self.meanwhile = self.meanwhile, None
            land()


async def test_update_publisher_tick_landing_during_a_flush_goes_out_in_the_next_window() -> None:
    live = book_of(fill("BUY", 10, "100", trade_no="A1", client_id="a"))
    kafka = TickWhilePublishing()
    now = [10.0]
    updates = UpdatePublisher(live, kafka, 1.0, clock=lambda: now[0])
    kafka.meanwhile = lambda: updates.on_quotes({INFY: Decimal("102")})
    updates.on_quotes({INFY: Decimal("101")})
    await updates.flush()  # 101's figure goes out; 102 lands before the broker answers
    now[0] = 11.0
    await updates.flush()
    unrealized = [m.unrealized_pnl for m in kafka.out if isinstance(m, PnlChanged)]
    assert unrealized == [Decimal("10"), Decimal("20")]
