"""A client's margin report from Motilal as a MarginSnapshot (accounts.margins.v1).

The rows go out as the broker sent them (srno, particulars, amount in rupees): the
portfolio maps them to funds figures, so the mapping lives in one place.
"""

from typing import Literal

from common.contracts.accounts import MarginRow, MarginSnapshot
from common.contracts.envelope import utc_now
from common.ids import new_id
from motilal.client import MotilalClient

ACTOR = "broker-adapter"

Report = Literal["summary", "detail"]


async def margin_snapshot(
    client_id: str, broker: MotilalClient, report: Report = "detail"
) -> MarginSnapshot:
    """Read the margin detail (or summary) report of one client now."""
    # Stamped when asked, as positions are: an order the broker acknowledged while this
    # read was on its way may be missing from it, so it must not look newer than that order
    # (the router's margin holds and the portfolio keep the newest report by this time).
    asked_at = utc_now()
    margins = await (broker.margin_detail() if report == "detail" else broker.margin_summary())
    return MarginSnapshot(
        correlation_id=new_id(),
        actor=ACTOR,
        client_id=client_id,
        report=report,
        rows=tuple(
            MarginRow(srno=r.srno, particulars=r.particulars, amount=r.amount) for r in margins.rows
        ),
        taken_at=asked_at,
    )
