"""Margin report rows: the segment's own row, else the total; the first row of an srno."""

from decimal import Decimal

from common.contracts.accounts import MarginRow
from common.enums import Exchange
from motilal.margin_rows import available_margin, first_by_srno


def test_margin_rows_segment_row_wins_over_total() -> None:
    rows = {100: Decimal("50"), 102: Decimal("40"), 103: Decimal("30")}
    assert available_margin(rows, Exchange.NSE) == Decimal("40")
    assert available_margin(rows, Exchange.NSEFO) == Decimal("30")
    assert available_margin({100: Decimal("50")}, Exchange.MCX) == Decimal("50")
    assert available_margin(None, Exchange.NSE) is None


def test_margin_rows_without_exchange_are_the_cash_segment() -> None:
    assert available_margin({100: Decimal("50"), 102: Decimal("40")}) == Decimal("40")


def test_margin_rows_first_row_of_a_repeated_srno_wins() -> None:
    rows = [
        MarginRow(srno=507, particulars="first", amount=Decimal("1")),
        MarginRow(srno=507, particulars="repeat", amount=Decimal("2")),
    ]
    assert first_by_srno(rows) == {507: Decimal("1")}
