"""Available margin from Motilal's margin report rows (srno codes, reference doc 24/25).

Summary and detail reports both carry the available margin per segment under srno
102-106; the detail report also has the total (100). Pure: rows in, rupees out.
"""

from collections.abc import Mapping
from decimal import Decimal

from common.enums import Exchange

_SEGMENT_ROW = {
    Exchange.NSE: 102,
    Exchange.BSE: 102,
    Exchange.NSEFO: 103,
    Exchange.BSEFO: 103,
    Exchange.NSECD: 104,
    Exchange.MCX: 105,
}
TOTAL_AVAILABLE = 100


def available_margin(rows: Mapping[int, Decimal] | None, exchange: Exchange) -> Decimal | None:
    """The margin available for orders on `exchange`, or None when the report lacks it."""
    if not rows:
        return None
    segment = rows.get(_SEGMENT_ROW[exchange])
    if segment is not None:
        return segment
    return rows.get(TOTAL_AVAILABLE)
