"""The one CSV renderer: cells as the JSON holds them, and how a caller asks for CSV."""

import csv
import io
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gateway.csv_export import Export, _prefers_csv, to_csv
from pydantic import BaseModel


class Row(BaseModel):
    order_id: str
    price: Decimal | None
    at: datetime
    protected: bool
    notes: list[str]


ROWS = [
    Row(order_id="o1", price=Decimal("101.50"), at=datetime(2026, 11, 30, 4, 0, tzinfo=UTC),
        protected=True, notes=["band, 2%"]),
    Row(order_id="o2", price=None, at=datetime(2026, 11, 30, 5, 0, tzinfo=UTC), protected=False,
        notes=[]),
]  # fmt: skip


def parse(text: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO(text)))


def test_to_csv_cells_hold_what_the_json_holds() -> None:
    rows = parse(to_csv(ROWS))
    assert rows[0] == {
        "order_id": "o1", "price": "101.50", "at": "2026-11-30T04:00:00Z", "protected": "true",
        "notes": '["band, 2%"]',
    }  # fmt: skip
    assert rows[1]["price"] == "" and rows[1]["protected"] == "false"


def test_to_csv_with_no_rows_still_has_the_header() -> None:
    assert to_csv([], ["a", "b"]) == "a,b\r\n"
    assert parse(to_csv([{"a": 1}, {"b": 2}])) == [{"a": "1", "b": ""}, {"a": "", "b": "2"}]


@pytest.mark.parametrize(
    ("accept", "wanted"),
    [
        ("text/csv", True),
        ("application/json", False),
        ("", False),
        ("*/*", False),
        ("application/json, text/csv", False),
        ("text/csv, application/json", True),
        ("application/json;q=0.5, text/csv", True),
        ("text/csv;q=0", False),
    ],
)
def test_prefers_csv_by_quality_then_order(accept: str, wanted: bool) -> None:
    assert _prefers_csv(accept) is wanted


app = FastAPI()


@app.get("/rows")
async def rows(export: Export):  # type: ignore[no-untyped-def]
    return export.respond({"rows": ROWS}, ROWS, "rows")


def test_export_answers_json_by_default_csv_when_asked_and_422_for_a_bad_format() -> None:
    client = TestClient(app)
    assert client.get("/rows").json()["rows"][0]["order_id"] == "o1"
    by_header = client.get("/rows", headers={"Accept": "text/csv"})
    assert by_header.headers["content-type"].startswith("text/csv")
    assert 'filename="rows.csv"' in by_header.headers["content-disposition"]
    assert [r["order_id"] for r in parse(by_header.text)] == ["o1", "o2"]
    by_query = client.get("/rows", params={"format": "csv"}, headers={"Accept": "application/json"})
    assert parse(by_query.text) == parse(by_header.text)
    bad = client.get("/rows", params={"format": "xlsx"})
    assert bad.status_code == 422
    assert bad.json()["detail"][0]["loc"] == ["query", "format"]
