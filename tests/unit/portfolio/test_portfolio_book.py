"""The position book: average cost, realized P&L, flips, duplicates, replay."""

from decimal import Decimal

import pytest
from common.enums import Side
from portfolio.book import Position, PositionBook, apply_fill, position_id_for, realized_by
from portfolio_fills import T0, fill


def test_book_buys_average_price_is_volume_weighted() -> None:
    book = PositionBook()
    book.apply(fill("BUY", 10, "100", trade_no="T1"))
    (position,) = book.apply(fill("BUY", 30, "104", trade_no="T2", seq=1))
    assert position.net_quantity == 40
    assert position.average_price == Decimal("103.0000")
    assert position.buy_quantity == 40 and position.buy_value == Decimal("4120")
    assert position.status == "ACTIVE"


def test_book_partial_sell_realizes_against_average_and_keeps_it() -> None:
    book = PositionBook()
    book.apply(fill("BUY", 10, "100", trade_no="T1"))
    book.apply(fill("BUY", 10, "110", trade_no="T2"))
    (position,) = book.apply(fill("SELL", 5, "120", trade_no="T3"))
    assert position.net_quantity == 15
    assert position.realized_pnl == Decimal("75")  # (120 - 105) * 5
    assert position.average_price == Decimal("105.0000")
    assert position.unrealized_pnl(Decimal("100")) == Decimal("-75")


def test_book_short_then_cover_realizes_short_pnl_and_closes() -> None:
    book = PositionBook()
    book.apply(fill("SELL", 10, "200", trade_no="T1"))
    (position,) = book.apply(fill("BUY", 10, "190", trade_no="T2"))
    assert position.realized_pnl == Decimal("100")
    assert position.net_quantity == 0
    assert position.status == "CLOSED"
    assert position.closed_at is not None
    assert position.average_price == 0


def test_book_flip_closes_and_reopens_with_a_new_id() -> None:
    book = PositionBook()
    book.apply(fill("BUY", 10, "100", trade_no="T1"))
    closed, reopened = book.apply(fill("SELL", 15, "110", trade_no="T2"))
    assert closed.status == "CLOSED" and closed.realized_pnl == Decimal("100")
    assert closed.sell_quantity == 10 and closed.sell_value == Decimal("1100")
    assert reopened.status == "ACTIVE"
    assert reopened.net_quantity == -5
    assert reopened.average_price == Decimal("110.0000")
    assert reopened.sell_quantity == 5 and reopened.sell_value == Decimal("550")
    assert reopened.realized_pnl == 0
    assert reopened.position_id != closed.position_id
    assert reopened.position_id == position_id_for(reopened.key, "T2", T0.date())


def test_book_reopen_after_close_gets_new_position() -> None:
    book = PositionBook()
    book.apply(fill("BUY", 5, "100", trade_no="T1"))
    book.apply(fill("SELL", 5, "101", trade_no="T2"))
    (again,) = book.apply(fill("BUY", 3, "99", trade_no="T3"))
    assert again.net_quantity == 3 and again.buy_quantity == 3
    assert len(book.positions) == 2


def test_book_same_trade_twice_changes_nothing() -> None:
    book = PositionBook()
    book.apply(fill("BUY", 10, "100", trade_no="T1"))
    before = dict(book.positions)
    assert book.apply(fill("BUY", 10, "100", trade_no="T1")) == []
    assert book.positions == before


def test_book_same_trade_no_for_other_client_is_applied() -> None:
    book = PositionBook()
    book.apply(fill("BUY", 10, "100", trade_no="T1", client_id="a"))
    changed = book.apply(fill("BUY", 10, "100", trade_no="T1", client_id="b"))
    assert len(changed) == 1 and len(book.positions) == 2


def test_book_partial_reduction_rounds_released_cost_to_paisa() -> None:
    book = PositionBook()
    book.apply(fill("BUY", 3, "100.05", trade_no="T1"))
    book.apply(fill("BUY", 0 + 1, "100", trade_no="T2"))  # open 4 @ 400.15 total
    (position,) = book.apply(fill("SELL", 1, "100", trade_no="T3"))
    assert position.open_value == Decimal("300.11")  # 400.15 - 100.04 (100.0375 rounded)
    assert position.realized_pnl == Decimal("-0.04")
    (closed,) = book.apply(fill("SELL", 3, "100", trade_no="T4"))
    # the last shares release exactly what is left: total realized = sells - buys
    assert closed.realized_pnl == closed.sell_value - closed.buy_value == Decimal("-0.15")


def test_apply_fill_zero_quantity_is_refused() -> None:
    with pytest.raises(ValueError, match="quantity must be positive"):
        apply_fill(None, fill(Side.BUY, 0, "1"))


def test_book_same_trade_number_on_the_next_day_is_a_new_fill() -> None:
    book = PositionBook()
    book.apply(fill("BUY", 10, "100", trade_no="T1"))
    assert book.apply(fill("BUY", 10, "100", trade_no="T1")) == []  # the same trade again
    (grown,) = book.apply(fill("SELL", 4, "110", trade_no="T1", day=1))
    assert grown.net_quantity == 6 and grown.realized_pnl == Decimal("40")


def test_book_a_position_reopened_the_next_day_with_the_same_trade_number_gets_a_new_id() -> None:
    book = PositionBook()
    (opened,) = book.apply(fill("BUY", 5, "100", trade_no="T1"))
    book.apply(fill("SELL", 5, "100", trade_no="T2"))
    (again,) = book.apply(fill("BUY", 5, "100", trade_no="T1", day=1))
    assert again.position_id != opened.position_id
    assert book.positions[opened.position_id].status == "CLOSED"


@pytest.mark.parametrize(
    ("trades", "booked"),
    [
        ([("BUY", 10, "100")], "0"),  # opens
        ([("BUY", 10, "100"), ("BUY", 10, "120")], "0"),  # grows
        ([("BUY", 10, "100"), ("SELL", 4, "110")], "40"),  # reduces
        ([("BUY", 10, "100"), ("SELL", 15, "90")], "-100"),  # flips: only the closed part
    ],
)
def test_book_realized_by_is_what_the_last_fill_booked(
    trades: list[tuple[str, int, str]], booked: str
) -> None:
    active = None
    changed: list[Position] = []
    for n, (side, qty, price) in enumerate(trades):
        before = active
        changed = apply_fill(before, fill(side, qty, price, trade_no=f"T{n}", seq=n))
        active = changed[-1] if changed[-1].net_quantity else None
    assert realized_by(before, changed) == Decimal(booked)
