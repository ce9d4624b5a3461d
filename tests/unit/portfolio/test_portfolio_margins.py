"""Margin report rows map to funds as reference A.9 says, without counting net rows twice."""

from decimal import Decimal

from common.contracts.accounts import MarginRow
from portfolio.margins import funds_from_rows


def rows(*pairs: tuple[int, str]) -> list[MarginRow]:
    return [MarginRow(srno=s, particulars=f"row {s}", amount=Decimal(a)) for s, a in pairs]


# A detail report: cash 100000, collateral 25000 after haircut, equity usage 30000 (orders
# 10000 + positions 20000), FO usage 5000, unrealised -1200 / realised 800 on cash and
# unrealised 300 on FO. 100 = 200 - 300 - 400 - 500 = 125000 - 35000 + (-900 + 800) = 89900.
DETAIL = rows(
    (100, "89900"),
    (101, "0"),
    (102, "89900"),  # net, like 100: must never be added to 220 or 300
    (103, "89900"),
    (104, "0"),
    (200, "125000"),
    (201, "100000"),
    (202, "100000"),
    (220, "25000"),
    (300, "35000"),
    (301, "30000"),
    (302, "10000"),
    (303, "20000"),
    (321, "5000"),
    (322, "5000"),
    (400, "100"),
    (401, "-400"),
    (402, "-1200"),
    (403, "800"),
    (421, "300"),
    (422, "300"),
    (423, "0"),
    (500, "0"),
    (507, "0"),
    (507, "123"),  # srno repeats in real reports: the first one wins
    (600, "-900"),
    (700, "800"),
)

# The same account as a summary report (no 100, no 300, no x02/x03 rows).
SUMMARY = rows(
    (102, "89900"),
    (103, "89900"),
    (104, "0"),
    (105, "0"),
    (106, "0"),
    (201, "100000"),
    (220, "25000"),
    (301, "30000"),
    (321, "5000"),
    (340, "0"),
    (360, "0"),
    (381, "0"),
    (600, "-900"),
    (700, "800"),
)


def test_funds_detail_report_maps_each_figure() -> None:
    funds = funds_from_rows(DETAIL)
    assert funds.available_cash == Decimal("100000")
    assert funds.collateral == Decimal("25000")
    assert funds.margin_used == Decimal("35000")
    assert funds.margin_available == Decimal("89900")
    assert funds.mtm == Decimal("-900")  # -1200 + 300 (x02 rows)
    assert funds.booked_pnl == Decimal("800")  # 800 + 0 (x03 rows)


def test_funds_summary_report_falls_back_to_usage_rows_and_totals() -> None:
    funds = funds_from_rows(SUMMARY)
    assert funds.available_cash == Decimal("100000")
    assert funds.collateral == Decimal("25000")
    assert funds.margin_used == Decimal("35000")  # 301 + 321 + 340 + 360 + 381
    assert funds.margin_available == Decimal("89900")  # 102 as is: already net
    assert funds.mtm == Decimal("-900")
    assert funds.booked_pnl == Decimal("800")


def test_funds_summary_and_detail_of_one_account_agree() -> None:
    assert funds_from_rows(SUMMARY) == funds_from_rows(DETAIL)


def test_funds_without_cash_row_derive_cash_from_net_102() -> None:
    # 102 - 220 + 300 - 600 = 89900 - 25000 + 35000 + 900 = 100800 (OpenAlgo PR fallback)
    without_cash = [r for r in SUMMARY if r.srno != 201]
    funds = funds_from_rows(without_cash)
    assert funds.available_cash == Decimal("100800")
    assert funds.margin_available == Decimal("89900")


def test_funds_net_row_is_not_added_to_collateral_or_usage() -> None:
    funds = funds_from_rows(DETAIL)
    counted_twice = Decimal("89900") + Decimal("25000")
    assert funds.margin_available != counted_twice
    assert funds.margin_available + funds.margin_used != funds.available_cash + counted_twice


def test_funds_usage_fallback_includes_slbm_and_brokerage() -> None:
    funds = funds_from_rows(rows((102, "1000"), (301, "10"), (380, "2"), (381, "3")))
    assert funds.margin_used == Decimal("15")


def test_funds_empty_report_is_all_zero_except_derivations() -> None:
    funds = funds_from_rows([])
    assert funds.available_cash == funds.margin_available == funds.margin_used == 0
