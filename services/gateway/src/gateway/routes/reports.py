"""The day report: per client, one trading day's orders, fills, P&L and charges (issue 15).

The figures are the portfolio's (`/internal/reports/day`): the record it wrote once after
the day's close, read back exactly as written, or computed now for a day not yet closed.
The gateway adds each client's orders placed that day by status, from the order-router's
order book (orders are final once the day has closed: the router expires what was left).

JSON answers the whole report (each client's orders and fills too); CSV (`?format=csv` or
`Accept: text/csv`) one row per client with the same figures, charges in columns.
"""

from collections import Counter, defaultdict
from datetime import UTC, date, datetime, time, timedelta
from typing import Annotated, Any, cast

from common.trading_days import IST
from fastapi import APIRouter, HTTPException, Query
from fastapi.responses import Response

from gateway.auth.deps import Viewer
from gateway.csv_export import CSV_RESPONSES, Export
from gateway.peers import PeersDep, PeerUnavailable
from gateway.router_client import Router

router = APIRouter(prefix="/api/v1/reports", tags=["reports"])

_PAGE = 5000  # the order-router's largest page

CHARGE_COLUMNS = ("brokerage", "stt", "exchange_charges", "sebi_fee", "stamp_duty", "gst")
CSV_COLUMNS = (
    "trading_date", "status", "client_id", "orders_placed", "orders_by_status",
    "orders_filled", "fill_count", "buy_value", "sell_value", "realized_pnl",
    "unrealized_pnl", "open_positions", *CHARGE_COLUMNS, "total_charges", "net_pnl",
    "unpriced_fills",
)  # fmt: skip
"""The CSV's header: one row per client."""


async def _orders_by_client(orders: Router, day: date) -> dict[str, Counter[str]]:
    """Every order created on the IST day `day`, counted by client and status."""
    start = datetime.combine(day, time(), IST).astimezone(UTC)
    params: dict[str, Any] = {
        "since": start.isoformat(),
        "until": (start + timedelta(days=1)).isoformat(),
        "limit": _PAGE,
    }
    counts: dict[str, Counter[str]] = defaultdict(Counter)
    offset = 0
    while True:
        page = (await orders.orders({**params, "offset": offset})).orders
        for o in page:
            counts[o.client_id][o.status.value] += 1
        if len(page) < _PAGE:
            return counts
        offset += len(page)


def csv_row(report: dict[str, Any], client: dict[str, Any]) -> dict[str, Any]:
    """One client's figures as a CSV row (the same values the JSON holds)."""
    charges = client["charges"]
    return {
        "trading_date": report["trading_date"],
        "status": report["status"],
        "client_id": client["client_id"],
        "orders_placed": client["orders_placed"],
        "orders_by_status": " ".join(f"{s}={n}" for s, n in client["orders_by_status"].items()),
        "orders_filled": client["order_count"],
        **{k: client[k] for k in ("fill_count", "buy_value", "sell_value", "realized_pnl",
                                  "unrealized_pnl", "open_positions", "net_pnl",
                                  "unpriced_fills")},
        **{k: charges[k] for k in CHARGE_COLUMNS},
        "total_charges": charges["total"],
    }  # fmt: skip


@router.get(
    "/day",
    summary="One trading day per client: orders, fills, P&L, charges, net",
    responses={**CSV_RESPONSES, 422: {"description": "a bad or future date, named"}},
)
async def day_report(
    _: Viewer,
    peers: PeersDep,
    orders: Router,
    export: Export,
    day: Annotated[
        date | None, Query(alias="date", description="IST trading date YYYY-MM-DD; default today")
    ] = None,
    recompute: Annotated[
        bool, Query(description="compute from the fills now, even when the record is stored")
    ] = False,
) -> Response:
    params = {"recompute": str(recompute).lower()}
    if day is not None:
        params["date"] = day.isoformat()
    answer = await peers.portfolio.send("GET", "/internal/reports/day", params=params)
    if answer.status_code == 422:
        raise HTTPException(422, [{"loc": ["query", "date"], "msg": answer.json()["detail"]}])
    if answer.status_code != 200:
        raise PeerUnavailable(peers.portfolio.name, f"HTTP {answer.status_code}")
    report = cast(dict[str, Any], answer.json())
    counts = await _orders_by_client(orders, date.fromisoformat(report["trading_date"]))
    known = {c["client_id"] for c in report["clients"]}
    for client_id in sorted(counts.keys() - known):  # orders placed, none filled, no account
        report["clients"].append(_empty_client(client_id))
    report["clients"].sort(key=lambda c: c["client_id"])
    for client in report["clients"]:
        placed = counts.get(client["client_id"], Counter())
        client["orders_placed"] = sum(placed.values())
        client["orders_by_status"] = dict(sorted(placed.items()))
    rows = [csv_row(report, c) for c in report["clients"]]
    return export.respond(report, rows, f"day-report-{report['trading_date']}", CSV_COLUMNS)


def _empty_client(client_id: str) -> dict[str, Any]:
    zero = "0"
    return {
        "client_id": client_id, "order_count": 0, "fill_count": 0, "buy_value": zero,
        "sell_value": zero, "realized_pnl": zero, "unrealized_pnl": None, "open_positions": 0,
        "charges": {**dict.fromkeys(CHARGE_COLUMNS, zero), "total": zero}, "net_pnl": zero,
        "unpriced_fills": 0, "orders": [], "fills": [],
    }  # fmt: skip
