"""Motilal's margin report rows: which `srno` holds which figure (reference A.9, docs 24-25).

Both reports are flat lists of `{srno, particulars, amount}`; an srno can repeat and its
first row wins. The summary report carries the available margin per segment (102-106);
the detail report also carries the account's total (100, A-B-C-D). Both are NET figures:
cash and collateral already added, usage and MTM already taken off.

Available margin for a segment: the segment's own row when the report has it, else the
total (100). The segment row is what the broker checks an order of that segment against,
and the summary report (the one polled most) carries no 100; the total only stands in
when a detail report lacks the segment row. Pure: rows in, rupees out.
"""

from collections.abc import Iterable, Mapping
from decimal import Decimal
from typing import Protocol

TOTAL_AVAILABLE = 100
SEGMENT_AVAILABLE: Mapping[str, int] = {
    "NSE": 102,  # cash
    "BSE": 102,
    "NSEFO": 103,  # futures and options
    "BSEFO": 103,
    "NSECD": 104,  # currency
    "MCX": 105,  # commodity
}
"""The available-margin row of each exchange's segment (keys: Motilal exchange names)."""
CASH_SEGMENT = "NSE"

CASH_BALANCE = 201
COLLATERAL = 220  # non-cash deposit, after haircut
USAGE_TOTAL = 300
USAGE_ROWS = (301, 321, 340, 360, 380, 381)  # cash, FO, currency, commodity, SLBM, brokerage
UNREALISED_ROWS = (402, 422, 442, 462, 482)
REALISED_ROWS = (403, 423, 443, 463, 483)
TOTAL_MTM = 600
BOOKED_PNL = 700


class Row(Protocol):
    @property
    def srno(self) -> int: ...
    @property
    def amount(self) -> Decimal: ...


def first_by_srno(rows: Iterable[Row]) -> dict[int, Decimal]:
    """Each srno's amount, from its first row (later repeats are other sub-totals)."""
    first: dict[int, Decimal] = {}
    for row in rows:
        first.setdefault(row.srno, row.amount)
    return first


def available_margin(
    amounts: Mapping[int, Decimal] | None, exchange: str = CASH_SEGMENT
) -> Decimal | None:
    """The margin available for orders on `exchange`'s segment, or None when the report
    has neither its segment row nor the total."""
    if not amounts:
        return None
    segment = amounts.get(SEGMENT_AVAILABLE[exchange])
    return segment if segment is not None else amounts.get(TOTAL_AVAILABLE)
