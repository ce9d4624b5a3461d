"""`platform day-report`: the gateway's per-client day report to CSV (issue 15)."""

import csv
import io
from decimal import Decimal
from pathlib import Path
from typing import Any

from cli_kit import Cli
from orders_testkit import Trading, wait_for
from platform_cli.report import summary
from waiting import clear_of_ist_midnight


def test_day_report_summary_adds_up_charges_and_net_pnl() -> None:
    text = (
        "trading_date,status,client_id,total_charges,net_pnl\r\n"
        "2026-11-30,closed,A1,104.82,95.18\r\n"
        "2026-11-30,closed,B2,1240.66,-151234.50\r\n"
    )
    assert summary(text) == "2 clients (closed), charges 1,345.48, net P&L -1,51,139.32"
    assert summary("trading_date,status,client_id,total_charges,net_pnl\r\n") == "no clients"


async def test_day_report_writes_the_gateways_day_report_per_client(
    cli: Cli, trading: Trading, tmp_path: Path
) -> None:
    (client,) = trading.require(218)[217:218]  # an account no other test trades
    await cli.login()
    quantities = tmp_path / "quantities.csv"
    quantities.write_text(f"{client},2\n")
    day = await clear_of_ist_midnight()  # the report asked for is the day the fill carries
    run = await cli(
        "execute", "--token", "SBIN", "--buy", "--market", "--intraday", "--csv", str(quantities)
    )
    assert run.code == 0, run

    async with trading.gateway() as gateway:

        async def report() -> dict[str, Any] | None:
            answer = await gateway.get("/api/v1/reports/day", params={"date": day.isoformat()})
            found: dict[str, Any] = answer.json()
            if found["status"] != "live":  # today already closed: its record stays as written
                return found
            mine = [c for c in found["clients"] if c["client_id"] == client]
            return found if mine and mine[0]["fill_count"] >= 1 else None

        expected = await wait_for(report, 60, f"{client}'s fill in the day report")
        out = tmp_path / "day.csv"
        written = await cli("day-report", "--csv", str(out), "--day", expected["trading_date"])
        assert written.code == 0, written
        # the same call the CLI made, as JSON, after it: the stored record or live figures
        again = (
            await gateway.get("/api/v1/reports/day", params={"date": expected["trading_date"]})
        ).json()
    rows = {r["client_id"]: r for r in csv.DictReader(io.StringIO(out.read_text()))}
    if again["status"] == "live":
        assert client in rows
    for c in again["clients"]:
        row = rows[c["client_id"]]
        assert int(row["fill_count"]) == c["fill_count"]
        assert Decimal(row["total_charges"]) == Decimal(c["charges"]["total"])
        assert Decimal(row["realized_pnl"]) == Decimal(c["realized_pnl"])
    assert f"day report of {expected['trading_date']} written to {out}" in written.out
    assert f"{len(rows)} clients (" in written.out
