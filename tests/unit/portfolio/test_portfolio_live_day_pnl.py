"""Today's realized P&L in the live book: booked to the fill's trading date, zero again when
the clock's trading date moves (a settable clock, no sleeping), the total keeps every day."""

from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal

import pytest
from common.trading_days import IST
from portfolio.book import FillIn, Position, PositionBook, realized_by
from portfolio.live import Conflator, LiveBook
from portfolio.updates import seconds_to_next_day
from portfolio_fills import T0, fill

DAY_ONE = T0.date()  # T0 is 09:30 IST
DAY_TWO = DAY_ONE + timedelta(days=1)


class Clock:
    """The trading date the book sees; a test moves it."""

    def __init__(self, day: date) -> None:
        self.day = day

    def __call__(self) -> date:
        return self.day


def feed(live: LiveBook, reference: PositionBook, *fills_in: FillIn) -> None:
    """Apply fills to the reference book and follow them in the live book as a batch would."""
    by_client: dict[str, Decimal] = {}
    by_day: dict[tuple[str, date], Decimal] = {}
    changed_all: list[Position] = []
    for f in fills_in:
        active_id = reference.active.get(f.key)
        before = reference.positions[active_id] if active_id else None
        changed = reference.apply(f)
        booked = realized_by(before, changed)
        by_client[f.client_id] = by_client.get(f.client_id, Decimal(0)) + booked
        key = (f.client_id, f.trading_date)
        by_day[key] = by_day.get(key, Decimal(0)) + booked
        changed_all += changed
    live.apply(changed_all, by_client, {p.position_id: None for p in changed_all}, by_day)


def test_day_pnl_next_morning_today_shows_only_the_new_days_fills() -> None:
    clock = Clock(DAY_ONE)
    live, reference = LiveBook(clock=clock), PositionBook()
    feed(live, reference, fill("BUY", 10, "100", trade_no="T1"),
         fill("SELL", 4, "110", trade_no="T2", seq=1))  # fmt: skip
    assert live.pnl("c1").realized_today == Decimal("40")
    assert live.pnl("c1").realized == Decimal("40")

    clock.day = DAY_TWO
    assert live.pnl("c1").realized_today == 0  # a new morning starts at zero
    assert live.pnl("c1").realized == Decimal("40")

    # trade numbers restart: day two's T1 is a new trade
    feed(live, reference, fill("SELL", 6, "90", trade_no="T1", day=1))
    assert live.pnl("c1").realized_today == Decimal("-60")
    assert live.pnl("c1").realized == Decimal("-20")


def test_day_pnl_a_late_fill_of_yesterday_counts_in_the_total_not_today() -> None:
    clock = Clock(DAY_TWO)
    live, reference = LiveBook(clock=clock), PositionBook()
    feed(live, reference, fill("BUY", 10, "100", trade_no="T1"),
         fill("SELL", 10, "101", trade_no="T2", seq=1))  # fmt: skip
    assert live.pnl("c1").realized == Decimal("10")
    assert live.pnl("c1").realized_today == 0


def test_day_pnl_loaded_for_today_and_dropped_when_the_day_moves() -> None:
    clock = Clock(DAY_ONE)
    live = LiveBook(clock=clock)
    live.load([], {"c1": Decimal("70")}, {"c1": Decimal("30")}, DAY_ONE)
    assert live.pnl("c1").realized_today == Decimal("30")
    clock.day = DAY_TWO
    assert live.pnl("c1").realized_today == 0 and live.pnl("c1").realized == Decimal("70")


def test_day_pnl_figures_read_for_another_day_are_not_loaded_as_today() -> None:
    live = LiveBook(clock=Clock(DAY_TWO))
    live.load([], {"c1": Decimal("70")}, {"c1": Decimal("30")}, DAY_ONE)
    assert live.pnl("c1").realized_today == 0


def test_day_pnl_new_date_names_the_clients_whose_today_went_to_zero() -> None:
    clock = Clock(DAY_ONE)
    live = LiveBook(clock=clock)
    live.load([], {"a": Decimal("5"), "b": Decimal("0")}, {"a": Decimal("5"), "b": Decimal(0)},
              DAY_ONE)  # fmt: skip
    assert live.take_cleared() == set()
    clock.day = DAY_TWO
    live.day()
    assert live.take_cleared() == {"a"}  # b's figure was zero already: nothing to tell
    assert live.take_cleared() == set()


def test_day_pnl_forgotten_client_is_published_even_if_its_total_did_not_move() -> None:
    window = Conflator(1.0)
    window.sent("a", Decimal("40"), 0.0)
    assert not window.changed("a", Decimal("40"))
    window.forget(["a"])
    assert window.changed("a", Decimal("40"))


@pytest.mark.parametrize(
    ("ist_time", "seconds"),
    [(time(23, 59), 61.0), (time(0, 0, 30), 86371.0), (time(9, 15), 53101.0)],
)
def test_day_pnl_next_trading_date_starts_at_ist_midnight(ist_time: time, seconds: float) -> None:
    now = datetime.combine(DAY_ONE, ist_time, IST).astimezone(UTC)
    assert seconds_to_next_day(now) == seconds
