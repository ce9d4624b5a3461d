"""Rich tables for the API's answers; pure (rows in, a Table out), money kept as Decimal."""

from decimal import Decimal, InvalidOperation
from typing import Any

from rich.markup import escape
from rich.table import Table

MISSING = "-"  # a figure the gateway does not have; never shown as 0


def rupees(value: Any) -> str:
    """Indian digit grouping with paise: 1234567.8 -> 12,34,567.80."""
    if value is None:
        return MISSING
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        return str(value)
    sign = "-" if amount < 0 else ""
    whole, paise = f"{abs(amount):.2f}".split(".")
    head, tail = whole[:-3], whole[-3:]
    groups: list[str] = []
    while len(head) > 2:
        groups.insert(0, head[-2:])
        head = head[:-2]
    if head:
        groups.insert(0, head)
    return sign + ",".join([*groups, tail]) + "." + paise


def _table(title: str, columns: list[str], right: set[str]) -> Table:
    table = Table(title=title)
    for column in columns:
        table.add_column(column, justify="right" if column in right else "left")
    return table


def _add(table: Table, *cells: str) -> None:
    """Cells are the gateway's text (names, reasons): never read as Rich markup."""
    table.add_row(*(escape(cell) for cell in cells))


def clients_table(clients: list[dict[str, Any]]) -> Table:
    money = ["available margin", "P&L"]
    table = _table("Clients", ["client", "name", "session", *money], set(money))
    for c in clients:
        session = (c.get("session") or {}).get("state") or MISSING
        funds = c.get("portfolio") or {}
        _add(
            table,
            c["client_id"],
            c.get("name", ""),
            session,
            rupees(funds.get("margin_available")),
            rupees(funds.get("total_pnl")),
        )
    return table


def sessions_table(clients: list[dict[str, Any]]) -> Table:
    table = _table("Broker sessions", ["client", "state", "code", "reason", "expires at"], set())
    for c in clients:
        session = c.get("session") or {}
        _add(
            table,
            c["client_id"],
            session.get("state") or MISSING,
            session.get("error_code") or "",
            session.get("reason") or "",
            session.get("expires_at") or "",
        )
    return table


def orders_table(orders: list[dict[str, Any]]) -> Table:
    table = _table(
        "Orders",
        ["order", "client", "symbol", "side", "type", "qty", "filled", "avg price", "status",
         "reason"],
        {"qty", "filled", "avg price"},
    )  # fmt: skip
    for o in orders:
        _add(
            table,
            o["order_id"],
            o["client_id"],
            str(o.get("symbol") or o.get("token_id")),
            o.get("execution_type", ""),
            f"{o.get('order_type', '')} {o.get('trade_type', '')}".strip(),
            str(o.get("quantity")),
            str(o.get("filled_quantity", 0)),
            rupees(o.get("average_price")),
            o["status"],
            o.get("reason") or "",
        )
    return table


def positions_table(trades: list[dict[str, Any]]) -> Table:
    table = _table(
        "Open positions",
        ["client", "symbol", "token", "trade type", "net qty", "avg price", "LTP", "P&L"],
        {"net qty", "avg price", "LTP", "P&L"},
    )
    for t in trades:
        _add(
            table,
            t["client_id"],
            t["symbol"],
            str(t["token"]),
            t["trade_type"],
            str(t["net_quantity"]),
            rupees(t.get("average_price")),
            rupees(t.get("last_price")),
            rupees(t.get("total_pnl")),
        )
    return table


def batch_table(batch: dict[str, Any]) -> Table:
    table = _table(f"Batch {batch['batch_id']}", ["status", "orders"], {"orders"})
    for status, count in sorted(batch.get("counts", {}).items()):
        _add(table, status, str(count))
    return table
