"""Positions from fills, and the margin report rows derived from them.

Everything is self-consistent: available (100) = total margin (200) - usage (300) - MTM (400),
where 400 is the day's P&L as a deduction, i.e. -(600 + 700).
"""

from dataclasses import dataclass
from decimal import Decimal
from typing import Any

from motilal_sim.instruments import Instrument

_CENT = Decimal("0.01")


@dataclass
class SimPosition:
    instrument: Instrument
    client_code: str
    product: str
    day_buy_qty: int = 0
    day_buy_amount: Decimal = Decimal(0)
    day_sell_qty: int = 0
    day_sell_amount: Decimal = Decimal(0)
    cf_buy_qty: int = 0
    cf_buy_amount: Decimal = Decimal(0)
    cf_sell_qty: int = 0
    cf_sell_amount: Decimal = Decimal(0)

    @property
    def buy_qty(self) -> int:
        return self.cf_buy_qty + self.day_buy_qty

    @property
    def buy_amount(self) -> Decimal:
        return self.cf_buy_amount + self.day_buy_amount

    @property
    def sell_qty(self) -> int:
        return self.cf_sell_qty + self.day_sell_qty

    @property
    def sell_amount(self) -> Decimal:
        return self.cf_sell_amount + self.day_sell_amount

    @property
    def net(self) -> int:
        return self.buy_qty - self.sell_qty

    def apply_fill(self, side: str, qty: int, price: Decimal) -> None:
        if side == "BUY":
            self.day_buy_qty += qty
            self.day_buy_amount += price * qty
        else:
            self.day_sell_qty += qty
            self.day_sell_amount += price * qty

    def booked(self) -> Decimal:
        """Realised P&L on the matched quantity, at average buy and sell prices."""
        matched = min(self.buy_qty, self.sell_qty)
        if not matched:
            return Decimal(0)
        spread = self.sell_amount / self.sell_qty - self.buy_amount / self.buy_qty
        return (spread * matched).quantize(_CENT)

    def mtm(self, ltp: Decimal) -> Decimal:
        total = self.sell_amount - self.buy_amount + self.net * ltp
        return (total - self.booked()).quantize(_CENT)

    def row(self, ltp: Decimal) -> dict[str, Any]:
        inst = self.instrument
        mtm, booked = self.mtm(ltp), self.booked()
        return {
            "exchange": inst.exchange,
            "clientcode": self.client_code,
            "productname": self.product,
            "symboltoken": inst.token,
            "symbol": inst.symbol,
            "series": "" if inst.is_derivative else "EQ",
            "buyquantity": self.buy_qty,
            "buyamount": float(self.buy_amount),
            "sellquantity": self.sell_qty,
            "sellamount": float(self.sell_amount),
            "daybuyquantity": self.day_buy_qty,
            "daybuyamount": float(self.day_buy_amount),
            "daysellquantity": self.day_sell_qty,
            "daysellamount": float(self.day_sell_amount),
            "cfbuyquantity": self.cf_buy_qty,
            "cfbuyamount": float(self.cf_buy_amount),
            "cfsellquantity": self.cf_sell_qty,
            "cfsellamount": float(self.cf_sell_amount),
            "LTP": float(ltp),
            "marktomarket": float(mtm),
            "bookedprofitloss": float(booked),
            "actualmarktomarket": float(mtm),
            "actualbookedprofitloss": float(booked),
            "expirydate": "",
            "strikeprice": 0,
            "optiontype": "",
        }


@dataclass(frozen=True)
class MarginFigures:
    cash: Decimal
    collateral: Decimal
    equity_used: Decimal
    fo_used: Decimal
    mtm: Decimal
    booked: Decimal

    @property
    def total(self) -> Decimal:
        return self.cash + self.collateral

    @property
    def used(self) -> Decimal:
        return self.equity_used + self.fo_used

    @property
    def pnl_deduction(self) -> Decimal:
        return -(self.mtm + self.booked)

    @property
    def available(self) -> Decimal:
        return (self.total - self.used - self.pnl_deduction).quantize(_CENT)


def _row(srno: int, particulars: str, amount: Decimal) -> dict[str, Any]:
    return {"srno": srno, "particulars": particulars, "amount": float(amount.quantize(_CENT))}


def summary_rows(f: MarginFigures) -> list[dict[str, Any]]:
    zero = Decimal(0)
    return [
        _row(102, "Total Available Margin for Cash", f.available),
        _row(103, "Total Available Margin for FNO", f.available),
        _row(104, "Total Available Margin for Currency", zero),
        _row(105, "Total Available Margin for Commodity", zero),
        _row(106, "Total Available Margin for Other", zero),
        _row(201, "Cash Deposit", f.cash),
        _row(220, "Non Cash Deposit", f.collateral),
        _row(301, "Margin Usage for Cash", f.equity_used),
        _row(321, "Margin Usage for FO", f.fo_used),
        _row(340, "Margin Usage for Currency", zero),
        _row(360, "Margin Usage for Commodity", zero),
        _row(381, "Brokerage", zero),
        _row(600, "Total P&L as MTM", f.mtm),
        _row(700, "Total P&L as BPL", f.booked),
    ]


def detail_rows(f: MarginFigures) -> list[dict[str, Any]]:
    zero = Decimal(0)
    return [
        _row(100, "Total Available Margin (A-B-C-D)", f.available),
        _row(101, "Credit Limit", zero),
        _row(102, "Available Margin for Cash", f.available),
        _row(103, "Available Margin for FNO", f.available),
        _row(104, "Available Margin for Currency", zero),
        _row(105, "Available Margin for Commodity", zero),
        _row(106, "Available Margin for Other", zero),
        _row(200, "Total Margin (A)", f.total),
        _row(201, "Cash Balance", f.cash),
        _row(202, "Ledger Balance", f.cash),
        _row(220, "Non Cash (collateral after haircut)", f.collateral),
        _row(300, "Margin Usage (B)", f.used),
        _row(301, "Equities", f.equity_used),
        _row(302, "Equities: orders and positions", f.equity_used),
        _row(321, "FO", f.fo_used),
        _row(322, "FO: SPAN", f.fo_used),
        _row(340, "Currency", zero),
        _row(360, "Commodity", zero),
        _row(381, "Brokerage", zero),
        _row(400, "MTM (C)", f.pnl_deduction),
        _row(401, "Cash MTM", zero - f.pnl_deduction),
        _row(402, "Add: Unrealised", f.mtm),
        _row(403, "Add: Realised", f.booked),
        _row(500, "Others (D)", zero),
        _row(600, "Total MTM", f.mtm),
        _row(700, "BPL", f.booked),
    ]
