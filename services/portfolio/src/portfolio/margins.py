"""Motilal margin report rows → funds figures (pure; reference A.9, the OpenAlgo PR approach).

Both the margin summary and the margin detail report are flat lists of
`{srno, particulars, amount}`; srno values can repeat, and the first row of an srno wins.

| figure | rows |
|---|---|
| available_cash | 201 (cash balance); else 102 - 220 + 300 - 600 |
| collateral | 220 (non-cash deposit, after haircut) |
| margin_used | 300; else 301 + 321 + 340 + 360 + 380 + 381 |
| margin_available | 102 (cash segment); else 100 (A-B-C-D); else cash + collateral - used + mtm |
| mtm (unrealised) | Σ 402, 422, 442, 462, 482; else 600 |
| booked_pnl | Σ 403, 423, 443, 463, 483; else 700 |

Rows 100 and 102 are NET figures (cash and collateral already added, usage and MTM already
taken off): `margin_available` is never cash + collateral + 102, and 220/300 are never
added to 102 again.
"""

from collections.abc import Iterable
from dataclasses import dataclass
from decimal import Decimal

from common.contracts.accounts import MarginRow
from motilal.margin_rows import (
    BOOKED_PNL,
    CASH_BALANCE,
    COLLATERAL,
    REALISED_ROWS,
    SEGMENT_AVAILABLE,
    TOTAL_MTM,
    UNREALISED_ROWS,
    USAGE_ROWS,
    USAGE_TOTAL,
    available_margin,
    first_by_srno,
)

from portfolio.book import ZERO


@dataclass(frozen=True)
class Funds:
    available_cash: Decimal
    collateral: Decimal
    margin_used: Decimal
    margin_available: Decimal
    mtm: Decimal
    booked_pnl: Decimal


def _sum_present(amounts: dict[int, Decimal], srnos: tuple[int, ...]) -> Decimal | None:
    present = [amounts[s] for s in srnos if s in amounts]
    return sum(present, ZERO) if present else None


def funds_from_rows(rows: Iterable[MarginRow]) -> Funds:
    """Map one report's rows (summary or detail) to funds figures."""
    amount = first_by_srno(rows)
    collateral = amount.get(COLLATERAL, ZERO)
    used = amount.get(USAGE_TOTAL)
    if used is None:
        used = _sum_present(amount, USAGE_ROWS) or ZERO
    mtm = _sum_present(amount, UNREALISED_ROWS)
    if mtm is None:
        mtm = amount.get(TOTAL_MTM, ZERO)
    booked = _sum_present(amount, REALISED_ROWS)
    if booked is None:
        booked = amount.get(BOOKED_PNL, ZERO)
    cash = amount.get(CASH_BALANCE)
    if cash is None:
        net_cash = amount.get(SEGMENT_AVAILABLE["NSE"], ZERO)
        cash = net_cash - collateral + used - amount.get(TOTAL_MTM, ZERO)
    available = available_margin(amount)
    if available is None:
        available = cash + collateral - used + mtm
    return Funds(
        available_cash=cash,
        collateral=collateral,
        margin_used=used,
        margin_available=available,
        mtm=mtm,
        booked_pnl=booked,
    )
