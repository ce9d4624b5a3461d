"""The `platform` commands. Each is a thin call of the gateway's public REST API; what an
answer means is the gateway's business, the CLI only shows it.

Exit codes: 0 done (a batch: every order FILLED), 1 the batch ended with orders not
filled (denied, rejected, canceled), 2 bad input or the gateway refused the request.
"""

import uuid
from collections import Counter
from datetime import date
from decimal import Decimal, InvalidOperation
from pathlib import Path
from typing import Annotated, Any, NoReturn

import typer
from rich.console import Console
from rich.markup import escape

from platform_cli import config, quantities, render, report
from platform_cli.api import Api, ApiError, sign_in
from platform_cli.follow import follow_batch

app = typer.Typer(
    help="Operate the trading platform from a terminal (a client of the gateway's REST API).",
    no_args_is_help=True,
    add_completion=False,
)
console = Console()
errors = Console(stderr=True)

Timeout = Annotated[float, typer.Option(help="seconds to follow the batch before giving up")]


def fail(message: str, code: int = 2) -> NoReturn:
    errors.print(f"[red]error:[/red] {escape(message)}", highlight=False)
    raise typer.Exit(code)


def connect() -> Api:
    try:
        return Api.from_config()
    except ApiError as error:
        fail(str(error))


@app.command()
def login(
    username: Annotated[str, typer.Option(prompt=True, envvar="PLATFORM_USERNAME")],
    password: Annotated[
        str, typer.Option(prompt=True, hide_input=True, envvar="PLATFORM_PASSWORD")
    ],
    url: Annotated[
        str, typer.Option(envvar="PLATFORM_URL", help="the gateway")
    ] = config.DEFAULT_URL,
) -> None:
    """Sign in; the token pair is kept in the user's config directory (mode 0600)."""
    try:
        credentials = sign_in(url.rstrip("/"), username, password)
    except ApiError as error:
        fail(str(error))
    path = config.save(credentials)
    console.print(f"signed in to {credentials.url} as {username} (token kept in {path})")


@app.command()
def logout() -> None:
    """Forget the stored sign-in."""
    console.print("signed out" if config.forget() else "was not signed in")


@app.command()
def clients() -> None:
    """Clients with their broker session, available margin and P&L."""
    api = connect()
    try:
        console.print(render.clients_table(api.get("/api/v1/clients")))
    except ApiError as error:
        fail(str(error))


@app.command()
def sessions() -> None:
    """Each client's broker session: state, Motilal's code and reason, expiry."""
    api = connect()
    try:
        console.print(render.sessions_table(api.get("/api/v1/clients")))
    except ApiError as error:
        fail(str(error))


def _terms(
    buy: bool, sell: bool, market: bool, limit: str | None, intraday: bool, delivery: bool
) -> dict[str, Any]:
    if buy == sell:
        fail("give exactly one of --buy or --sell")
    if market == (limit is not None):
        fail("give exactly one of --market or --limit PRICE")
    if intraday == delivery:
        fail("give exactly one of --intraday or --delivery")
    terms: dict[str, Any] = {
        "execution_type": "BUY" if buy else "SELL",
        "order_type": "MARKET" if market else "LIMIT",
        "trade_type": "INTRADAY" if intraday else "DELIVERY",
    }
    if limit is not None:
        try:
            terms["price"] = str(Decimal(limit))
        except InvalidOperation:
            fail(f"--limit {limit!r} is not a price")
    return terms


def resolve_token(api: Api, token: str, exchange: str) -> tuple[int, str]:
    """A token number as given, or the symbol's exact match on `exchange` (NSE by default)."""
    if token.isdigit():
        return int(token), exchange
    hits = api.get("/api/v1/tokens/search", q=token, limit=20)
    wanted = token.upper()
    for hit in hits:
        if hit["symbol"] == wanted and hit["exchange"] == exchange.upper():
            return int(hit["token"]), hit["exchange"]
    near = ", ".join(f"{h['symbol']} ({h['exchange']} {h['token']})" for h in hits[:5])
    fail(f"no instrument {wanted} on {exchange}" + (f"; did you mean {near}?" if near else ""))


def _finish(api: Api, accepted: dict[str, Any], timeout: float) -> None:
    """Follow an accepted batch to its end, show it, and exit 1 unless every order filled."""
    orders = len(accepted["orders"])
    if accepted.get("skipped"):
        console.print(f"skipped (quantity 0): {', '.join(accepted['skipped'])}")
    if not orders:
        console.print("nothing to place")
        return
    console.print(f"batch {accepted['batch_id']}: {orders} orders")
    batch = follow_batch(api, accepted["batch_id"], orders, console, timeout)
    console.print(render.batch_table(batch))
    unfilled = [o for o in batch["orders"] if o["status"] != "FILLED"]
    for order in unfilled:
        why = order.get("reason") or ""
        rule = f" [{order['rule']}]" if order.get("rule") else ""
        line = f"{order['client_id']}: {order['status']}{rule} {why}".rstrip()
        console.print(line, markup=False, highlight=False)  # reasons are text, not markup
    if unfilled:
        raise typer.Exit(1)


@app.command()
def execute(
    token: Annotated[str, typer.Option(help="symbol (RELIANCE) or token number (2885)")],
    csv: Annotated[
        Path,
        typer.Option(
            help="rows of `client code, quantity`", exists=True, dir_okay=False, readable=True
        ),
    ],
    buy: Annotated[bool, typer.Option("--buy")] = False,
    sell: Annotated[bool, typer.Option("--sell")] = False,
    market: Annotated[bool, typer.Option("--market")] = False,
    limit: Annotated[str | None, typer.Option("--limit", metavar="PRICE")] = None,
    intraday: Annotated[bool, typer.Option("--intraday")] = False,
    delivery: Annotated[bool, typer.Option("--delivery")] = False,
    exchange: Annotated[str, typer.Option(help="where to look the symbol up")] = "NSE",
    idempotency_key: Annotated[
        str | None, typer.Option(help="repeat a run safely: the same key places nothing twice")
    ] = None,
    timeout: Timeout = 300,
) -> None:
    """Place one order per client from a CSV and follow the batch to its end."""  # fmt: skip
    terms = _terms(buy, sell, market, limit, intraday, delivery)
    try:
        wanted = quantities.parse(csv.read_text().splitlines())
    except quantities.QuantitiesError as error:
        fail(f"{csv}: {error}")
    api = connect()
    try:
        known = [c["client_id"] for c in api.get("/api/v1/clients")]
        unknown = quantities.unknown_codes(wanted, known)
        if unknown:
            fail(f"{csv}: unknown client codes: {', '.join(unknown)}")
        token_id, found_on = resolve_token(api, token, exchange)
        body = {
            "token_id": token_id,
            "exchange": found_on,
            **terms,
            "client_orders": [{"client_id": c, "quantity": q} for c, q in wanted.items()],
        }
        key = idempotency_key or str(uuid.uuid4())
        try:
            accepted = api.post(
                "/api/v1/orders/execute-all", body, headers={"Idempotency-Key": key}
            )
        except ApiError as error:
            # the gateway may have placed it before the answer was lost: the same key
            # replays that answer instead of placing the batch twice
            fail(f"{error}\nto retry safely: the same command with --idempotency-key {key}")
        _finish(api, accepted, timeout)
    except ApiError as error:
        fail(str(error))


@app.command("exit-token")
def exit_token(
    token: Annotated[int, typer.Argument(help="the token number to close, e.g. 2885")],
    client: Annotated[
        list[str] | None, typer.Option(help="only these clients (repeat); default every holder")
    ] = None,
    timeout: Timeout = 300,
) -> None:
    """Exit every holder (or the given clients) of a token and follow the exits."""
    api = connect()
    body = {"client_ids": [c.upper() for c in client]} if client else {}
    try:
        accepted = api.post(
            f"/api/v1/trades/exit-by-token/{token}", body,
            headers={"Idempotency-Key": str(uuid.uuid4())},
        )  # fmt: skip
        _finish(api, accepted, timeout)
    except ApiError as error:
        fail(str(error))


@app.command()
def orders(
    client: Annotated[str | None, typer.Option(help="only this client")] = None,
    status: Annotated[str | None, typer.Option(help="only this status, e.g. FILLED")] = None,
    batch: Annotated[str | None, typer.Option(help="only this batch")] = None,
    limit: Annotated[int, typer.Option(help="at most this many, newest first")] = 100,
) -> None:
    """Orders, newest first."""
    api = connect()
    try:
        page = api.get(
            "/api/v1/orders", client_id=client, status=status, batch_id=batch, limit=limit
        )
    except ApiError as error:
        fail(str(error))
    console.print(render.orders_table(page["orders"]))


@app.command()
def positions(
    client: Annotated[str | None, typer.Option(help="only this client")] = None,
) -> None:
    """Open positions with average price, last price and P&L."""
    api = connect()
    try:
        trades = api.get("/api/v1/trades", client_id=client, status="ACTIVE")
    except ApiError as error:
        fail(str(error))
    console.print(render.positions_table(trades))


@app.command("kill-switch")
def kill_switch(
    state: Annotated[str, typer.Argument(help="on or off")],
    reason: Annotated[str, typer.Option(help="why (kept in the audit log)")],
    client: Annotated[str | None, typer.Option(help="only this client; default: global")] = None,
    cancel_open_orders: Annotated[
        bool, typer.Option(help="also cancel every working order in the scope")
    ] = False,
) -> None:
    """Engage (on) or release (off) the kill switch, globally or for one client (admin)."""
    if state not in ("on", "off"):
        fail(f"state must be on or off, not {state!r}")
    api = connect()
    body = {
        "client_id": client.upper() if client else None,
        "engaged": state == "on",
        "cancel_open_orders": cancel_open_orders,
        "reason": reason,
    }
    try:
        api.post("/api/v1/admin/kill-switch", body)
    except ApiError as error:
        fail(str(error))
    scope = f"client {body['client_id']}" if client else "global"
    console.print(f"kill switch {scope}: {'ENGAGED' if state == 'on' else 'released'}")


PAGE = 5000  # the gateway's largest page of orders


@app.command("day-report")
def day_report(
    csv: Annotated[Path, typer.Option(help="where to write the CSV")],
    day: Annotated[str | None, typer.Option(help="IST date YYYY-MM-DD; default today")] = None,
    orders: Annotated[
        bool, typer.Option("--orders", help="every order of the day instead, one row each")
    ] = False,
) -> None:
    """A trading day (IST) to CSV: per client, orders, fills, P&L, charges and net P&L (the
    gateway's day report: the record kept after the close, or live); --orders: every order."""
    try:
        wanted = date.fromisoformat(day) if day else report.today_ist()
    except ValueError:
        fail(f"--day {day!r} is not a date like 2026-11-30")
    if orders:
        _day_orders(wanted, csv)
        return
    try:
        text = connect().get_csv("/api/v1/reports/day", date=wanted.isoformat())
    except ApiError as error:
        fail(str(error))
    csv.write_text(text)
    console.print(f"day report of {wanted} written to {csv} ({report.summary(text)})")


def _day_orders(wanted: date, csv: Path) -> None:
    since, until = report.day_bounds(wanted)
    api = connect()
    rows: list[dict[str, Any]] = []
    try:
        while True:
            page = api.get(
                "/api/v1/orders", since=since.isoformat(), until=until.isoformat(),
                limit=PAGE, offset=len(rows),
            )  # fmt: skip
            rows.extend(page["orders"])
            if len(page["orders"]) < PAGE:
                break
    except ApiError as error:
        fail(str(error))
    csv.write_text(report.to_csv(rows))
    counts = Counter(o["status"] for o in rows)
    summary = ", ".join(f"{s} {n}" for s, n in sorted(counts.items())) or "no orders"
    console.print(f"{len(rows)} orders of {wanted} written to {csv} ({summary})")
