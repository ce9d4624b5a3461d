"""The day report, pure: the gateway's per-client day report summed up, and every order of
a trading day as CSV rows (orders in, text out).

"Day" is the IST calendar date, as the desk and Motilal count it.
"""

import csv
import io
from datetime import date, datetime, time, timedelta, timezone
from decimal import Decimal
from typing import Any

from platform_cli.render import rupees

IST = timezone(timedelta(hours=5, minutes=30))
COLUMNS = [
    "created_at", "order_id", "batch_id", "client_id", "symbol", "exchange", "token_id",
    "execution_type", "order_type", "trade_type", "quantity", "price", "status",
    "filled_quantity", "average_price", "broker_order_id", "rule", "reason", "actor",
]  # fmt: skip


def day_bounds(day: date) -> tuple[datetime, datetime]:
    """[start, end) of an IST calendar day, as aware datetimes."""
    start = datetime.combine(day, time(), tzinfo=IST)
    return start, start + timedelta(days=1)


def today_ist() -> date:
    return datetime.now(IST).date()


def to_csv(orders: list[dict[str, Any]]) -> str:
    """Oldest first; money as the API's decimal strings, never floats."""
    out = io.StringIO()
    writer = csv.DictWriter(out, COLUMNS, extrasaction="ignore", lineterminator="\n")
    writer.writeheader()
    for order in sorted(orders, key=lambda o: (o["created_at"], o["order_id"])):
        writer.writerow({k: "" if order.get(k) is None else order[k] for k in COLUMNS})
    return out.getvalue()


def summary(report_csv: str) -> str:
    """`3 clients (closed), charges 1,240.66, net P&L -512.30` from the day report's CSV."""
    rows = list(csv.DictReader(io.StringIO(report_csv)))
    if not rows:
        return "no clients"
    charges = sum((Decimal(r["total_charges"]) for r in rows), Decimal(0))
    net = sum((Decimal(r["net_pnl"]) for r in rows), Decimal(0))
    status = rows[0]["status"]
    return f"{len(rows)} clients ({status}), charges {rupees(charges)}, net P&L {rupees(net)}"
