"""MTM limits (pure): the stop loss, the target and the trailing stop from the day's peak,
a group's MTM as its members' sum, and which scopes a client's move concerns."""

from datetime import date
from decimal import Decimal as D

from order_router.mtm import (
    MtmBoard,
    MtmLimits,
    breach,
    group_scope,
    scopes_of,
    watched_clients,
)
from order_router.mtm_watch import MtmWatch


def test_breach_stop_loss_hit_at_minus_the_limit_and_not_before() -> None:
    limits = MtmLimits("C1", stop_loss=D(5000))
    assert breach(limits, D("-4999.95"), D(0)) is None
    hit = breach(limits, D("-5000"), D(0))
    assert hit is not None and "stop loss" in hit and "client C1" in hit


def test_breach_target_hit_at_the_target() -> None:
    limits = MtmLimits("C1", target=D(3000))
    assert breach(limits, D("2999.99"), D("2999.99")) is None
    hit = breach(limits, D("3000.50"), D("3000.50"))
    assert hit is not None and "target" in hit


def test_board_trailing_stop_follows_the_peak_then_fires_on_the_fall() -> None:
    board = MtmBoard()
    board.start_day(date(2026, 11, 30))
    limits = MtmLimits("C1", trailing_stop=D(1000))
    for mtm in ("500", "2500", "1800"):  # peak 2500; 1800 is only 700 below it
        board.put("C1", D(mtm))
        assert board.check(limits)[2] is None
    board.put("C1", D("1500"))  # 1000 below the peak
    mtm, peak, hit = board.check(limits)
    assert (mtm, peak) == (D(1500), D(2500))
    assert hit is not None and "trailing stop" in hit and "peak 2500.00" in hit


def test_board_trailing_stop_before_any_profit_acts_as_a_stop_from_zero() -> None:
    board = MtmBoard()
    board.start_day(date(2026, 11, 30))
    limits = MtmLimits("C1", trailing_stop=D(1000))
    board.put("C1", D("-999"))
    assert board.check(limits)[2] is None
    board.put("C1", D("-1000"))
    assert board.check(limits)[2] is not None


def test_board_new_day_forgets_figures_and_peaks() -> None:
    board = MtmBoard()
    board.start_day(date(2026, 11, 30))
    limits = MtmLimits("C1", trailing_stop=D(1000))
    board.put("C1", D(5000))
    board.check(limits)
    board.start_day(date(2026, 12, 1))
    assert board.peak("C1") == 0
    assert board.mtm(["C1"]) == 0


def test_board_group_mtm_is_the_members_sum_and_only_the_group_fires() -> None:
    board = MtmBoard()
    board.start_day(date(2026, 11, 30))
    group = MtmLimits(group_scope("desk"), stop_loss=D(1000), members=("C1", "C2"))
    alone = MtmLimits("C1", stop_loss=D(900))
    board.put("C1", D(-600))
    board.put("C2", D(-500))
    mtm, _, hit = board.check(group)
    assert mtm == D(-1100)
    assert hit is not None and "group desk" in hit
    assert board.check(alone)[2] is None  # C1 alone lost 600 of its 900


def test_scopes_of_a_client_are_its_own_and_its_groups_watched_ones() -> None:
    limits = {
        "C1": MtmLimits("C1", stop_loss=D(1)),
        "C2": MtmLimits("C2", stop_loss=D(1)),
        "group:a": MtmLimits("group:a", target=D(1), members=("C1", "C3")),
        "group:b": MtmLimits("group:b", members=("C1",)),  # no limit set: not watched
    }
    assert sorted(s.scope for s in scopes_of(["C1"], limits)) == ["C1", "group:a"]
    assert [s.scope for s in scopes_of(["C3"], limits)] == ["group:a"]


def test_watched_clients_are_the_limited_clients_and_limited_groups_members() -> None:
    limits = [
        MtmLimits("C1", stop_loss=D(100)),
        MtmLimits("C2"),  # a row whose limits were all cleared watches no one
        MtmLimits(group_scope("hni"), target=D(500), members=("C3", "C4")),
        MtmLimits(group_scope("idle"), members=("C5",)),
    ]
    assert watched_clients(limits) == {"C1", "C3", "C4"}


def test_the_watch_parses_only_watched_clients_pnl_and_follows_a_put() -> None:
    watch = MtmWatch(pool=None, publisher=None, refresh_seconds=1)  # type: ignore[arg-type]
    watch.put_limits(MtmLimits("C1", stop_loss=D(100)))
    assert watch.wants("pnl.changed", "C1")
    assert not watch.wants("pnl.changed", "C9")  # nobody limits C9: skipped unparsed
    assert not watch.wants("position.changed", "C1")
    watch.put_limits(MtmLimits(group_scope("hni"), trailing_stop=D(50), members=("C9",)))
    assert watch.wants("pnl.changed", "C9") and watch.wants("pnl.changed", "C1")
