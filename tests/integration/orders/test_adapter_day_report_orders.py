"""The day report after a small batch through the whole order path (issue 15).

Three accounts no other test trades buy SBIN (INTRADAY, MARKET: sent as a protected LIMIT
and filled by the simulator); one of them sells part back. The report's fills must be the
orders' fills, its P&L what those fills make, its charges what the schedule says for
them (worked out here by hand from the rates in data/charges.toml), and the orders list
as CSV must parse and say what its JSON says.

It runs before test_adapter_trading_days.py (the name orders it): that test moves the shared
simulator's days on, after which the simulator dates its trades past the platform's calendar
day and today's report has none of them (a simulator artifact; a real broker does not move
its clock).
"""

import csv
import io
from decimal import ROUND_HALF_UP, Decimal
from typing import Any

import httpx
from orders_testkit import Trading, batch_body, execute_all, wait_for
from waiting import clear_of_ist_midnight

SBIN = 3045  # NSE, lot 1
PAISA = Decimal("0.01")


def r(value: Decimal) -> Decimal:
    return value.quantize(PAISA, rounding=ROUND_HALF_UP)


def intraday_charges(orders: list[dict[str, Any]]) -> dict[str, Decimal]:
    """NSE equity intraday from 2024-10-01: brokerage 0.02% per order, STT 0.025% of sells,
    exchange 0.00297%, SEBI Rs 10 a crore, stamp 0.003% of buys, GST 18%."""
    value = {o["order_id"]: o["filled_quantity"] * Decimal(o["average_price"]) for o in orders}
    buys = sum((value[o["order_id"]] for o in orders if o["side"] == "BUY"), Decimal(0))
    sells = sum((value[o["order_id"]] for o in orders if o["side"] == "SELL"), Decimal(0))
    brokerage = sum((r(v * Decimal("0.0002")) for v in value.values()), Decimal(0))
    exchange = r((buys + sells) * Decimal("0.0000297"))
    sebi = r((buys + sells) * 10 / Decimal(10_000_000))
    parts = {
        "brokerage": brokerage,
        "stt": r(sells * Decimal("0.00025")),
        "exchange_charges": exchange,
        "sebi_fee": sebi,
        "stamp_duty": r(buys * Decimal("0.00003")),
        "gst": r((brokerage + exchange + sebi) * Decimal("0.18")),
    }
    return {**parts, "total": sum(parts.values(), Decimal(0))}


async def filled_orders(gateway: httpx.AsyncClient, client_id: str) -> list[dict[str, Any]]:
    answer = await gateway.get("/api/v1/orders", params={"client_id": client_id, "limit": 50})
    return [o for o in answer.json()["orders"] if o["filled_quantity"]]


async def test_day_report_after_a_batch_matches_its_fills_and_the_charge_schedule(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    clients = trading.require(217)[214:217]  # accounts no other test trades
    quantities = {c: 2 + i for i, c in enumerate(clients)}
    day = await clear_of_ist_midnight()  # the report asked for is the day the fills carry
    _, bought = await execute_all(gateway, batch_body(SBIN, quantities))
    assert {o["status"] for o in bought["orders"]} == {"FILLED"}, bought
    seller = clients[0]
    _, sold = await execute_all(gateway, batch_body(SBIN, {seller: 1}, execution_type="SELL"))
    assert {o["status"] for o in sold["orders"]} == {"FILLED"}, sold

    orders = {c: await filled_orders(gateway, c) for c in clients}
    filled = {c: sum(o["filled_quantity"] for o in orders[c]) for c in clients}

    async def report() -> dict[str, Any] | None:
        # recompute: today's record may have been written before this batch (an evening run)
        params = {"date": day.isoformat(), "recompute": "true"}
        answer = await gateway.get("/api/v1/reports/day", params=params)
        assert answer.status_code == 200, answer.text
        found: dict[str, Any] = answer.json()
        mine = {c["client_id"]: c for c in found["clients"]}
        applied = {c: sum(f["quantity"] for f in mine[c]["fills"]) if c in mine else 0
                   for c in clients}  # fmt: skip
        return found if applied == filled else None

    found = await wait_for(report, 60, "the batch's fills in the day report")
    assert found["status"] in ("live", "computed")
    for client_id in clients:
        (mine,) = [c for c in found["clients"] if c["client_id"] == client_id]
        placed = orders[client_id]
        # the report's orders are the orders' fills: quantity and average price
        by_order = {o["order_id"]: o for o in mine["orders"]}
        assert set(by_order) == {o["order_id"] for o in placed}
        for o in placed:
            assert by_order[o["order_id"]]["filled_quantity"] == o["filled_quantity"]
            assert Decimal(by_order[o["order_id"]]["average_price"]) == Decimal(o["average_price"])
        expected = intraday_charges(placed)
        assert {k: Decimal(v) for k, v in mine["charges"].items()} == expected
        assert mine["orders_by_status"].get("FILLED", 0) >= len(placed)
        assert mine["orders_placed"] >= len(placed)
        realized = Decimal(mine["realized_pnl"])
        unrealized = Decimal(mine["unrealized_pnl"] or 0)
        assert Decimal(mine["net_pnl"]) == realized + unrealized - expected["total"]
    # the seller's realized P&L: one share sold at its price against the buy's average
    buy = next(o for o in orders[seller] if o["side"] == "BUY")
    sell = next(o for o in orders[seller] if o["side"] == "SELL")
    (mine,) = [c for c in found["clients"] if c["client_id"] == seller]
    assert Decimal(mine["realized_pnl"]) == r(
        Decimal(sell["average_price"]) - Decimal(buy["average_price"])
    )

    # the orders list as CSV: the same orders and figures as its JSON
    params = {"client_id": seller, "limit": 50}
    listed = (await gateway.get("/api/v1/orders", params=params)).json()["orders"]
    as_csv = await gateway.get("/api/v1/orders", params=params, headers={"Accept": "text/csv"})
    assert as_csv.headers["content-type"].startswith("text/csv")
    rows = list(csv.DictReader(io.StringIO(as_csv.text)))
    assert [r["order_id"] for r in rows] == [o["order_id"] for o in listed]
    for row, o in zip(rows, listed, strict=True):
        assert (row["status"], int(row["filled_quantity"])) == (o["status"], o["filled_quantity"])
        assert row["average_price"] == (o["average_price"] or "")
        assert row["protected"] == ("true" if o["protected"] else "false")
