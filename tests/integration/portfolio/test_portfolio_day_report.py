"""The day report over real services: figures from hand-computed fills and the charge
schedule, CSV that parses and matches the JSON, and a stored past day read back unchanged.

Fills are published to orders.events.v1 by the test (as the adapter would), dated a week
back: a closed day that the portfolio's own day-end pass (which writes only the latest
closed day) leaves to this test to write. Client ids are the test's own.
"""

import csv
import io
from collections.abc import AsyncIterator
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaProducer
from common.contracts.envelope import utc_now
from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderFilled
from common.enums import Exchange, Side, TradeType
from common.ids import new_id
from common.topics import ORDER_EVENTS
from common.trading_days import IST, load_calendar, trading_date
from factories import RELIANCE, make
from portfolio.reports.closing import CloseClock
from portfolio_testkit import until
from stack.testing import TestStack

DAY = trading_date(utc_now()) - timedelta(days=7)
CLOSING = [Exchange.NSE, Exchange.BSE, Exchange.NSEFO, Exchange.BSEFO]
INFY = Instrument(token=1594, exchange=Exchange.NSE, symbol="INFY", tick_size=Decimal("0.05"))


@pytest.fixture(scope="module")
async def urls(stack: TestStack) -> dict[str, str]:
    return await stack.start_services(["portfolio", "order-router", "gateway"])


@pytest.fixture(scope="module")
async def api(urls: dict[str, str]) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=urls["gateway"], timeout=30) as client:
        login = await client.post(
            "/api/v1/auth/login", json={"username": "admin", "password": "admin"}
        )
        assert login.status_code == 200, login.text
        client.headers["Authorization"] = f"Bearer {login.json()['access_token']}"
        yield client


async def fill(
    producer: AIOKafkaProducer, client_id: str, order_id: str, side: Side, qty: int,
    price: str, trade_type: TradeType, *, instrument: Instrument = RELIANCE, minute: int = 0,
) -> None:  # fmt: skip
    at = datetime.combine(DAY, time(10, minute), IST).astimezone(UTC)
    message = make(
        OrderFilled, client_id=client_id, order_id=order_id, trade_no=new_id()[:12],
        instrument=instrument, side=side, trade_type=trade_type, quantity=qty,
        filled_quantity=qty, price=Decimal(price), traded_at=at,
    )  # fmt: skip
    await producer.send_and_wait(
        ORDER_EVENTS.name, message.model_dump_json().encode(), key=ORDER_EVENTS.key_of(message)
    )


def of(report: dict[str, Any], client_id: str) -> dict[str, Any]:
    (found,) = [c for c in report["clients"] if c["client_id"] == client_id]
    return found


async def report_of(api: httpx.AsyncClient, day: date, **params: Any) -> dict[str, Any]:
    answer = await api.get("/api/v1/reports/day", params={"date": day.isoformat(), **params})
    assert answer.status_code == 200, answer.text
    report: dict[str, Any] = answer.json()
    return report


async def test_day_report_figures_csv_and_stored_day_read_back_unchanged(
    api: httpx.AsyncClient, http: httpx.AsyncClient, producer: AIOKafkaProducer
) -> None:
    suffix = new_id()[:6].upper()
    a, b = f"RPA{suffix}", f"RPB{suffix}"
    # a: delivery, bought 10 @ 1500 and sold 10 @ 1520: realized 200
    await fill(producer, a, f"oa1{suffix}", Side.BUY, 10, "1500", TradeType.DELIVERY)
    await fill(producer, a, f"oa2{suffix}", Side.SELL, 10, "1520", TradeType.DELIVERY, minute=5)
    # b: intraday, one order of 100 @ 250.50 filled in two, sold 100 @ 252: realized 150
    intraday = {"instrument": INFY}
    await fill(producer, b, f"ob1{suffix}", Side.BUY, 60, "250.50", TradeType.INTRADAY, **intraday)
    await fill(producer, b, f"ob1{suffix}", Side.BUY, 40, "250.50", TradeType.INTRADAY,
               minute=1, **intraday)  # fmt: skip
    await fill(producer, b, f"ob2{suffix}", Side.SELL, 100, "252.00", TradeType.INTRADAY,
               minute=9, **intraday)  # fmt: skip

    async def all_applied() -> dict[str, Any] | None:
        report = await report_of(api, DAY)
        counts = {c["client_id"]: c["fill_count"] for c in report["clients"]}
        return report if counts.get(a) == 2 and counts.get(b) == 3 else None

    report = await until(all_applied)
    assert report["status"] == "computed" and report["schedule_from"] == "2024-10-01"
    ra, rb = of(report, a), of(report, b)
    # hand-computed charges (tests/unit/portfolio/test_reports_charges.py shows the sums)
    assert Decimal(ra["realized_pnl"]) == 200 and Decimal(ra["charges"]["total"]) == Decimal(
        "104.82"
    )
    assert Decimal(ra["charges"]["brokerage"]) == Decimal("60.40")
    assert Decimal(ra["charges"]["stt"]) == Decimal("30.20")
    assert Decimal(rb["realized_pnl"]) == 150 and Decimal(rb["charges"]["total"]) == Decimal(
        "20.73"
    )
    assert (ra["order_count"], rb["order_count"]) == (2, 2)
    assert rb["orders"][0]["filled_quantity"] == 100 and rb["orders"][0]["fills"] == 2
    for c, net in ((ra, "95.18"), (rb, "129.27")):
        assert c["unrealized_pnl"] in (None, "0", "0.00")  # flat at the day's end
        assert Decimal(c["net_pnl"]) == Decimal(net)
        assert c["orders_placed"] == 0  # no order of theirs went through the order-router

    # CSV: one row per client, the same figures as the JSON
    for ask in ({"params": {"format": "csv"}}, {"headers": {"Accept": "text/csv"}}):
        params = {"date": DAY.isoformat(), **ask.get("params", {})}
        answer = await api.get("/api/v1/reports/day", params=params, headers=ask.get("headers"))
        assert answer.status_code == 200 and answer.headers["content-type"].startswith("text/csv")
        rows = {r["client_id"]: r for r in csv.DictReader(io.StringIO(answer.text))}
        for c in (ra, rb):
            row = rows[c["client_id"]]
            assert row["trading_date"] == DAY.isoformat() and row["status"] == "computed"
            assert int(row["fill_count"]) == c["fill_count"]
            assert int(row["orders_filled"]) == c["order_count"]
            for key in ("buy_value", "sell_value", "realized_pnl", "net_pnl"):
                assert Decimal(row[key]) == Decimal(c[key]), key
            for key in ("brokerage", "stt", "exchange_charges", "sebi_fee", "stamp_duty", "gst"):
                assert Decimal(row[key]) == Decimal(c["charges"][key]), key
            assert Decimal(row["total_charges"]) == Decimal(c["charges"]["total"])

    # the trades list as CSV: the same trades and figures as its JSON
    trades = (await api.get("/api/v1/trades", params={"client_id": a})).json()
    as_csv = await api.get("/api/v1/trades", params={"client_id": a, "format": "csv"})
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert len(rows) == len(trades) >= 1
    for row, trade in zip(rows, trades, strict=True):
        assert (row["trade_id"], row["status"]) == (trade["trade_id"], trade["status"])
        assert int(row["net_quantity"]) == trade["net_quantity"]
        assert row["realized_pnl"] == trade["realized_pnl"]

    # the day's record, written once
    close = await http.post("/internal/reports/day/close", params={"date": DAY.isoformat()})
    assert close.status_code == 200, close.text
    assert close.json() == {"trading_date": DAY.isoformat(), "written": True}
    again = await http.post("/internal/reports/day/close", params={"date": DAY.isoformat()})
    assert again.json()["written"] is False
    stored = await report_of(api, DAY)
    assert stored["status"] == "closed" and stored["written_at"]
    assert of(stored, a)["charges"] == ra["charges"] and of(stored, b)["fills"] == rb["fills"]

    # a fill of that day arriving later changes the fills, not the stored day
    await fill(producer, a, f"oa3{suffix}", Side.BUY, 5, "1510", TradeType.DELIVERY, minute=20)

    async def late_applied() -> bool:
        fills = await http.get(f"/internal/clients/{a}/fills")
        return len(fills.json()) == 3

    await until(late_applied)
    later = await report_of(api, DAY)
    assert later["written_at"] == stored["written_at"]
    for client_id in (a, b):
        assert of(later, client_id) == of(stored, client_id)
    recomputed = await report_of(api, DAY, recompute="true")
    assert recomputed["status"] == "computed" and of(recomputed, a)["fill_count"] == 3


async def test_day_report_a_future_or_malformed_date_is_refused_naming_it(
    api: httpx.AsyncClient,
) -> None:
    future = trading_date(utc_now()) + timedelta(days=2)
    answer = await api.get("/api/v1/reports/day", params={"date": future.isoformat()})
    assert answer.status_code == 422
    assert answer.json()["detail"][0]["loc"] == ["query", "date"]
    assert "after today's trading date" in answer.json()["detail"][0]["msg"]
    bad = await api.get("/api/v1/reports/day", params={"date": "30-11-2026"})
    assert bad.status_code == 422 and bad.json()["detail"][0]["loc"] == ["query", "date"]


async def test_day_report_latest_closed_day_is_written_by_the_service_itself(
    api: httpx.AsyncClient,
) -> None:
    """The day-end pass runs at start: the latest closed trading date has its record."""

    clock = CloseClock(load_calendar(), CLOSING, timedelta(minutes=30))  # the defaults
    due = clock.due(utc_now())
    assert due is not None

    async def written() -> dict[str, Any] | None:
        report = await report_of(api, due)
        return report if report["status"] == "closed" else None

    report = await until(written)
    assert report["written_at"] and report["trading_date"] == due.isoformat()
