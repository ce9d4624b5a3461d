"""`platform` against the real embedded stack: sign-in, the clients table, a CSV batch
followed to FILLED, unknown codes named, the kill switch denying the next batch.

The CLI runs as the installed script in a subprocess with its own config directory.
Clients are accounts 180-189 of the session's simulator: past those other tests trade
by name (the first 166, and 200 on), used otherwise only by a 200-order burst that counts
its own orders.
"""

import csv
import json
import re
import stat
from pathlib import Path

import httpx
from cli_kit import Cli, execute_args
from orders_testkit import Trading

SBIN = 3045


def own(trading: Trading) -> list[str]:
    return trading.require(190)[180:190]


def batch_id_of(output: str) -> str:
    found = re.search(r"batch ([0-9a-f-]{16,}): \d+ orders", output)
    assert found, output
    return found.group(1)


async def test_login_keeps_the_token_in_the_config_dir_readable_by_the_owner_only(
    cli: Cli,
) -> None:
    run = await cli.login()
    path = cli.config_dir / "credentials.json"
    assert str(path) in run.out
    assert stat.S_IMODE(path.stat().st_mode) == 0o600
    kept = json.loads(path.read_text())
    assert set(kept) == {"url", "username", "access_token", "refresh_token"}  # no password
    assert kept["url"] == cli.gateway_url


async def test_login_with_a_wrong_password_fails_naming_why_and_keeps_nothing(cli: Cli) -> None:
    run = await cli("login", "--username", "admin", PLATFORM_PASSWORD="not-the-password")
    assert run.code == 2
    assert "HTTP 401" in run.err
    assert not (cli.config_dir / "credentials.json").exists()


async def test_commands_before_login_say_to_sign_in(cli: Cli) -> None:
    run = await cli("clients")
    assert run.code == 2
    assert "platform login" in run.err


async def test_clients_table_shows_each_client_with_its_session(cli: Cli, trading: Trading) -> None:
    await cli.login()
    run = await cli("clients")
    assert run.code == 0, run
    async with trading.gateway() as gateway:
        listed = (await gateway.get("/api/v1/clients")).json()
    for client in listed:
        line = next((row for row in run.out.splitlines() if client["client_id"] in row), None)
        assert line is not None, f"{client['client_id']} missing from\n{run.out}"
        if client.get("session"):
            assert client["session"]["state"] in line


async def test_sessions_table_names_a_failed_session_with_motilals_code(
    cli: Cli, trading: Trading
) -> None:
    await cli.login()
    run = await cli("sessions")
    assert run.code == 0, run
    assert trading.failing_session_clients  # EKOL5024 logs in only from another address
    async with trading.gateway() as gateway:
        for client in trading.failing_session_clients:
            session = (await gateway.get(f"/api/v1/clients/{client}")).json()["session"]
            line = next(row for row in run.out.splitlines() if client in row)
            assert session["state"] in line
            if session["error_code"]:
                assert session["error_code"] in line


async def test_execute_from_a_csv_follows_the_batch_until_every_order_is_filled(
    cli: Cli, trading: Trading, tmp_path: Path
) -> None:
    first, second, skipped = own(trading)[0:3]
    rows = f"client,quantity\n{first},2\n{second.lower()},1\n{skipped},0\n"
    await cli.login()
    run = await cli(*execute_args(tmp_path, rows))
    assert run.code == 0, run
    assert f"skipped (quantity 0): {skipped}" in run.out
    async with trading.gateway() as gateway:
        batch = (await gateway.get(f"/api/v1/batches/{batch_id_of(run.out)}")).json()
    assert batch["counts"] == {"FILLED": 2}
    assert batch["token_id"] == SBIN
    filled = {o["client_id"]: o["filled_quantity"] for o in batch["orders"]}
    assert filled == {first: 2, second: 1}
    assert re.search(r"FILLED\s*│\s*2", run.out), run.out


async def test_execute_names_unknown_client_codes_and_places_nothing(
    cli: Cli, trading: Trading, tmp_path: Path
) -> None:
    (known,) = own(trading)[3:4]
    await cli.login()
    run = await cli(*execute_args(tmp_path, f"{known},1\nNOSUCH1,1\nNOSUCH2,3\n"))
    assert run.code == 2
    assert "unknown client codes: NOSUCH1, NOSUCH2" in run.err
    async with trading.gateway() as gateway:
        listed = (await gateway.get("/api/v1/orders", params={"client_id": known})).json()
    assert listed["orders"] == []


async def test_kill_switch_on_denies_the_next_batch_and_off_lets_it_fill(
    cli: Cli, trading: Trading, tmp_path: Path
) -> None:
    (client,) = own(trading)[4:5]
    execute = execute_args(tmp_path, f"{client},1\n")
    await cli.login()
    on = await cli("kill-switch", "on", "--client", client, "--reason", "cli test halt")
    try:
        assert on.code == 0, on
        denied = await cli(*execute)
        assert denied.code == 1, denied
        assert f"{client}: DENIED [kill_switch]" in denied.out
        assert "cli test halt" in denied.out
    finally:
        off = await cli("kill-switch", "off", "--client", client, "--reason", "cli test over")
        assert off.code == 0, off
    filled = await cli(*execute)
    assert filled.code == 0, filled


async def test_orders_and_positions_tables_show_what_the_api_holds(
    cli: Cli, trading: Trading, tmp_path: Path
) -> None:
    (client,) = own(trading)[5:6]
    await cli.login()
    options = ("--buy", "--market", "--delivery")
    run = await cli(*execute_args(tmp_path, f"{client},3\n", *options, token=str(SBIN)))
    assert run.code == 0, run
    orders = await cli("orders", "--client", client)
    assert orders.code == 0, orders
    assert re.search(rf"{client}.*SBIN.*FILLED", orders.out), orders.out
    async with httpx.AsyncClient(base_url=trading.gateway_url, headers=trading.headers()) as gw:
        trades = (
            await gw.get("/api/v1/trades", params={"client_id": client, "status": "ACTIVE"})
        ).json()
    positions = await cli("positions", "--client", client)
    assert positions.code == 0, positions
    for trade in trades:
        assert re.search(rf"{client}.*{trade['symbol']}.*{trade['net_quantity']}", positions.out), (
            positions.out
        )
    assert trades, "a filled DELIVERY buy leaves an open position"

    exited = await cli("exit-token", str(SBIN), "--client", client)
    assert exited.code == 0, exited
    async with trading.gateway() as gateway:
        batch = (await gateway.get(f"/api/v1/batches/{batch_id_of(exited.out)}")).json()
    assert batch["counts"] == {"FILLED": len(trades)}
    assert {o["client_id"] for o in batch["orders"]} == {client}


async def test_day_report_writes_todays_orders_to_csv(
    cli: Cli, trading: Trading, tmp_path: Path
) -> None:
    (client,) = own(trading)[6:7]
    await cli.login()
    run = await cli(*execute_args(tmp_path, f"{client},4\n", "--sell", "--market", "--intraday"))
    assert run.code == 0, run
    out = tmp_path / "day.csv"
    report = await cli("day-report", "--csv", str(out), "--orders")
    assert report.code == 0, report
    rows = list(csv.DictReader(out.read_text().splitlines()))
    mine = [r for r in rows if r["batch_id"] == batch_id_of(run.out)]
    assert len(mine) == 1
    assert mine[0]["client_id"] == client
    assert mine[0]["execution_type"] == "SELL"
    assert (mine[0]["status"], mine[0]["filled_quantity"]) == ("FILLED", "4")
    assert f"{len(rows)} orders of" in report.out


async def test_execute_rerun_with_the_same_idempotency_key_places_nothing_twice(
    cli: Cli, trading: Trading, tmp_path: Path
) -> None:
    (client,) = own(trading)[7:8]
    execute = (*execute_args(tmp_path, f"{client},2\n"), "--idempotency-key", f"cli-test-{client}")
    await cli.login()
    first = await cli(*execute)
    again = await cli(*execute)
    assert (first.code, again.code) == (0, 0), (first, again)
    assert batch_id_of(again.out) == batch_id_of(first.out)
    async with trading.gateway() as gateway:
        listed = (await gateway.get("/api/v1/orders", params={"client_id": client})).json()
    assert [o["batch_id"] for o in listed["orders"]] == [batch_id_of(first.out)]
