"""The broker's books that outlive a day, kept in a folder between runs.

With `MOTILAL_SIM_STATE_DIR` set, the simulator writes each account's funds and holdings,
the carried positions, the day's number and its trading date to `<dir>/simulator.json`
whenever a day ends (`POST /sim/next-day`, or a shutdown: a restarted simulator is the next
trading day), and reads them at start. Orders and trades are never kept: the books start
empty every day.
"""

import json
import logging
import os
from dataclasses import replace
from datetime import date
from decimal import Decimal
from pathlib import Path
from typing import Any

from motilal_sim.accounts import DemoHolding
from motilal_sim.days import today_ist
from motilal_sim.engine import Engine
from motilal_sim.ledger import SimPosition

log = logging.getLogger(__name__)
FILE_NAME = "simulator.json"


def save(folder: Path, engine: Engine) -> Path:
    """Writes what outlives the day (atomically: a crash leaves the previous file)."""
    folder.mkdir(parents=True, exist_ok=True)
    data = {
        "day": engine.day,
        "session_date": engine.session_date.isoformat(),
        "accounts": {
            code: {
                "funds": str(account.funds),
                "holdings": [_holding_json(h) for h in account.holdings],
            }
            for code, account in engine.accounts.items()
        },
        "positions": {
            client: [_position_json(p) for p in book.values()]
            for client, book in engine.positions.items()
            if book
        },
    }
    path = folder / FILE_NAME
    partial = path.with_suffix(".tmp")
    partial.write_text(json.dumps(data, indent=1), encoding="utf-8")
    os.replace(partial, path)
    return path


def load(folder: Path, engine: Engine) -> bool:
    """Restores the saved day into `engine` (accounts of the accounts file only)."""
    path = folder / FILE_NAME
    if not path.exists():
        return False
    data = json.loads(path.read_text(encoding="utf-8"))
    engine.day = int(data.get("day", 1))
    if "session_date" in data:  # a later morning than the saved day is that morning
        engine.session_date = max(date.fromisoformat(data["session_date"]), today_ist())
    for code, saved in data.get("accounts", {}).items():
        account = engine.accounts.get(code)
        if account is not None:
            holdings = tuple(_holding(h) for h in saved.get("holdings", ()))
            engine.accounts[code] = replace(
                account, funds=Decimal(saved["funds"]), holdings=holdings
            )
    for client, rows in data.get("positions", {}).items():
        for row in rows:
            key = (str(row["exchange"]), int(row["token"]))
            inst = engine.instruments.get(key)
            if inst is None or client not in engine.accounts:
                log.warning("saved position of %s in %s %s dropped: unknown", client, *key)
                continue
            engine.positions[client][(*key, row["product"])] = _position(inst, client, row)
    log.info("simulator day %d: state read from %s", engine.day, path)
    return True


def forget(folder: Path) -> None:
    """Drops the saved state (a reset starts from the accounts file again)."""
    (folder / FILE_NAME).unlink(missing_ok=True)


def _holding_json(h: DemoHolding) -> dict[str, Any]:
    return {
        "symbol": h.symbol,
        "nse_token": h.nse_token,
        "bse_code": h.bse_code,
        "isin": h.isin,
        "quantity": h.quantity,
        "avg_price": str(h.avg_price),
    }


def _holding(raw: dict[str, Any]) -> DemoHolding:
    return DemoHolding(
        symbol=str(raw["symbol"]),
        nse_token=int(raw["nse_token"]),
        bse_code=int(raw["bse_code"]),
        isin=str(raw["isin"]),
        quantity=int(raw["quantity"]),
        avg_price=Decimal(str(raw["avg_price"])),
    )


def _position_json(p: SimPosition) -> dict[str, Any]:
    return {
        "exchange": p.instrument.exchange,
        "token": p.instrument.token,
        "product": p.product,
        "cf_buy_qty": p.cf_buy_qty + p.day_buy_qty,
        "cf_buy_amount": str(p.cf_buy_amount + p.day_buy_amount),
        "cf_sell_qty": p.cf_sell_qty + p.day_sell_qty,
        "cf_sell_amount": str(p.cf_sell_amount + p.day_sell_amount),
    }


def _position(inst: Any, client: str, row: dict[str, Any]) -> SimPosition:
    return SimPosition(
        inst,
        client,
        str(row["product"]),
        cf_buy_qty=int(row["cf_buy_qty"]),
        cf_buy_amount=Decimal(row["cf_buy_amount"]),
        cf_sell_qty=int(row["cf_sell_qty"]),
        cf_sell_amount=Decimal(row["cf_sell_amount"]),
    )
