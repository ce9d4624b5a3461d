"""The CLI's pure parts: the quantities CSV, the rupee format, the day report."""

import csv
from datetime import UTC, date, datetime, timedelta

import pytest
from platform_cli.quantities import QuantitiesError, parse, unknown_codes
from platform_cli.render import rupees
from platform_cli.report import day_bounds, to_csv


def test_parse_with_header_comments_and_lowercase_codes_gives_upper_case_quantities() -> None:
    rows = ["client code,quantity", "# desk A", "emum7551, 10", "", "EPUN4409,0"]
    assert parse(rows) == {"EMUM7551": 10, "EPUN4409": 0}


def test_parse_bad_rows_names_every_one() -> None:
    with pytest.raises(QuantitiesError) as raised:
        parse(["A1,1", "A2,ten", "A1,2", "A3", "A4,-1"])
    message = str(raised.value)
    assert "row 2: quantity 'ten' of A2 is not a whole number" in message
    assert "row 3: client A1 is listed twice" in message
    assert "row 4: expected `client code, quantity`" in message
    assert "row 5: quantity -1 of A4 is negative" in message


def test_parse_empty_file_is_refused() -> None:
    with pytest.raises(QuantitiesError, match="no `client code, quantity` rows"):
        parse(["client,quantity"])


def test_unknown_codes_are_sorted_and_case_blind() -> None:
    assert unknown_codes({"B2": 1, "A1": 1, "C3": 0}, ["a1"]) == ["B2", "C3"]


@pytest.mark.parametrize(
    ("value", "shown"),
    [("1234567.8", "12,34,567.80"), ("-999.995", "-1,000.00"), ("12", "12.00"), (None, "-")],
)
def test_rupees_use_indian_grouping_and_a_dash_for_missing(value: str | None, shown: str) -> None:
    assert rupees(value) == shown


def test_day_bounds_are_the_ist_calendar_day() -> None:
    start, end = day_bounds(date(2026, 11, 30))
    assert start.astimezone(UTC) == datetime(2026, 11, 29, 18, 30, tzinfo=UTC)
    assert end - start == timedelta(days=1)


def test_day_report_csv_is_oldest_first_with_blanks_for_missing() -> None:
    orders = [
        {"order_id": "b", "created_at": "2026-11-30T04:00:00+00:00", "status": "FILLED",
         "average_price": "812.35", "reason": None},
        {"order_id": "a", "created_at": "2026-11-30T03:59:00+00:00", "status": "DENIED",
         "reason": "kill switch, engaged"},
    ]  # fmt: skip
    rows = list(csv.DictReader(to_csv(orders).splitlines()))
    assert [r["order_id"] for r in rows] == ["a", "b"]
    assert rows[0]["reason"] == "kill switch, engaged"
    assert (rows[1]["average_price"], rows[1]["reason"]) == ("812.35", "")
