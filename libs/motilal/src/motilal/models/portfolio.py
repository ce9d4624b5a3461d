"""Positions, holdings and margin report rows. All amounts are rupees as Motilal sends them."""

from decimal import Decimal
from typing import Any

from motilal.models.base import Frozen
from motilal.units import decimal_of


def _d(row: dict[str, Any], key: str) -> Decimal:
    return decimal_of(row.get(key), key)


def _i(row: dict[str, Any], key: str) -> int:
    return int(_d(row, key))


class Position(Frozen):
    exchange: str
    token: int
    symbol: str
    product: str
    buy_quantity: int
    buy_amount: Decimal
    sell_quantity: int
    sell_amount: Decimal
    day_buy_quantity: int
    day_buy_amount: Decimal
    day_sell_quantity: int
    day_sell_amount: Decimal
    cf_buy_quantity: int
    cf_buy_amount: Decimal
    cf_sell_quantity: int
    cf_sell_amount: Decimal
    ltp: Decimal
    mtm: Decimal
    """Unrealised P&L (`marktomarket`)."""
    booked_pnl: Decimal

    @property
    def net_quantity(self) -> int:
        # Motilal has no net field: net is buy minus sell (reference A.8).
        return self.buy_quantity - self.sell_quantity

    @property
    def pnl(self) -> Decimal:
        return self.mtm + self.booked_pnl

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Position":
        return cls(
            exchange=str(row.get("exchange", "")),
            token=_i(row, "symboltoken"),
            symbol=str(row.get("symbol", "")),
            product=str(row.get("productname", "")).upper(),
            buy_quantity=_i(row, "buyquantity"),
            buy_amount=_d(row, "buyamount"),
            sell_quantity=_i(row, "sellquantity"),
            sell_amount=_d(row, "sellamount"),
            day_buy_quantity=_i(row, "daybuyquantity"),
            day_buy_amount=_d(row, "daybuyamount"),
            day_sell_quantity=_i(row, "daysellquantity"),
            day_sell_amount=_d(row, "daysellamount"),
            cf_buy_quantity=_i(row, "cfbuyquantity"),
            cf_buy_amount=_d(row, "cfbuyamount"),
            cf_sell_quantity=_i(row, "cfsellquantity"),
            cf_sell_amount=_d(row, "cfsellamount"),
            ltp=_d(row, "LTP"),
            mtm=_d(row, "marktomarket"),
            booked_pnl=_d(row, "bookedprofitloss"),
        )


class Holding(Frozen):
    isin: str
    name: str
    quantity: int
    average_price: Decimal
    nse_token: int
    bse_code: int
    collateral_quantity: int
    blocked_quantity: int

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Holding":
        return cls(
            isin=str(row.get("scripisinno", "")),
            name=str(row.get("scripname", "")),
            quantity=_i(row, "dpquantity"),
            average_price=_d(row, "buyavgprice"),
            nse_token=_i(row, "nsesymboltoken"),
            bse_code=_i(row, "bsescripcode"),
            collateral_quantity=_i(row, "collateralquantity"),
            blocked_quantity=_i(row, "blockedquantity"),
        )


class MarginRow(Frozen):
    srno: int
    particulars: str
    amount: Decimal

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "MarginRow":
        return cls(
            srno=_i(row, "srno"),
            particulars=str(row.get("particulars", "")),
            amount=_d(row, "amount"),
        )


class Margins(Frozen):
    """A margin report. srno values repeat (507 twice), so lookups take the first match."""

    rows: tuple[MarginRow, ...]

    def amount(self, srno: int) -> Decimal | None:
        return next((r.amount for r in self.rows if r.srno == srno), None)

    @property
    def available(self) -> Decimal:
        """Net available margin: row 100 (detail) or 102 (summary); 102 already nets 220/300."""
        found = self.amount(100)
        return found if found is not None else self.amount(102) or Decimal(0)

    @property
    def cash(self) -> Decimal:
        return self.amount(201) or Decimal(0)

    @property
    def collateral(self) -> Decimal:
        return self.amount(220) or Decimal(0)

    @property
    def used(self) -> Decimal:
        found = self.amount(300)
        if found is not None:
            return found
        return sum((self.amount(s) or Decimal(0) for s in (301, 321, 340, 360)), Decimal(0))

    @property
    def mtm(self) -> Decimal:
        return self.amount(600) or Decimal(0)

    @property
    def booked(self) -> Decimal:
        return self.amount(700) or Decimal(0)
