"""Demo accounts, read from data/sim-accounts.json (a list of objects)."""

import json
from dataclasses import dataclass, field
from decimal import Decimal
from pathlib import Path
from typing import Any


@dataclass(frozen=True)
class DemoHolding:
    symbol: str
    nse_token: int
    bse_code: int
    isin: str
    quantity: int
    avg_price: Decimal


@dataclass(frozen=True)
class Account:
    client_code: str
    password: str
    dob: str
    pan: str
    totp_secret: str
    api_key: str
    funds: Decimal
    name: str = ""
    collateral: Decimal = Decimal(0)
    allowed_ips: tuple[str, ...] = ()
    """Static-IP whitelist checked against ClientPublicIp; empty allows any (MO2035)."""
    holdings: tuple[DemoHolding, ...] = field(default_factory=tuple)
    clients: tuple[str, ...] = ()
    """A dealer's clients ("dealer_of"): it acts for them with `clientcode` in every body."""


def _account(raw: dict[str, Any]) -> Account:
    return Account(
        client_code=str(raw["client_code"]).upper(),
        password=str(raw["password"]),
        dob=str(raw["dob"]),
        pan=str(raw["pan"]).upper(),
        totp_secret=str(raw["totp_secret"]),
        api_key=str(raw["api_key"]),
        funds=Decimal(str(raw["funds"])),
        name=str(raw.get("name", "")),
        collateral=Decimal(str(raw.get("collateral", 0))),
        allowed_ips=tuple(raw.get("allowed_ips", ())),
        clients=tuple(str(code).upper() for code in raw.get("dealer_of", ())),
        holdings=tuple(
            DemoHolding(
                symbol=h["symbol"],
                nse_token=int(h.get("nse_token", 0)),
                bse_code=int(h.get("bse_code", 0)),
                isin=h.get("isin", ""),
                quantity=int(h["quantity"]),
                avg_price=Decimal(str(h["avg_price"])),
            )
            for h in raw.get("holdings", ())
        ),
    )


def load_accounts(path: Path) -> dict[str, Account]:
    raw = json.loads(path.read_text(encoding="utf-8"))
    if not isinstance(raw, list):
        raise ValueError(f"{path}: expected a JSON list of accounts")
    accounts: dict[str, Account] = {}
    for index, item in enumerate(raw):
        try:
            account = _account(item)
        except (KeyError, ValueError, ArithmeticError) as exc:
            raise ValueError(f"{path}: account #{index}: missing or bad field {exc}") from exc
        accounts[account.client_code] = account
    return accounts
