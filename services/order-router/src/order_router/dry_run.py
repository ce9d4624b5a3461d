"""POST /internal/risk/dry-run: what pre-trade risk would say about a batch; nothing recorded.

The gateway's order preview asks it. The batch goes through the intake's own decision
path (instrument lookup, the account copies, the kill switch, the quote, EXIT sizing,
every rule of risk.py), so a preview cannot drift from what placing would decide; but no
batch or order is stored and nothing is published. One row per order: approved or the
denying rule and its reason, the notes of rules skipped for lack of data, each rule's
outcome (passed, skipped, failed, not checked), and the margin
figures the margin rule used, and the slices (shares each) the order would be cut into at
its instrument's freeze quantity.
"""

from decimal import Decimal
from typing import Any

from common.contracts.requests import BatchRequested
from fastapi import APIRouter, Request
from motilal.margin_rows import available_margin

from order_router.intake import Intake
from order_router.placement import order_request
from order_router.slices import slice_sizes

router = APIRouter(prefix="/internal/risk", tags=["internal"])
CENT = Decimal("0.01")


def _money(value: Decimal | None) -> str | None:
    return None if value is None else str(value)


@router.post("/dry-run", summary="Pre-trade risk on a batch, without placing or storing it")
async def dry_run(body: BatchRequested, request: Request) -> dict[str, Any]:
    intake: Intake = request.app.state.parts.intake
    req = order_request(body)
    assert req is not None
    asked = (body.terms.exchange, body.terms.token_id)
    ltp = (await intake._ltps({asked})).get(asked)  # the intake's own path
    decided = await intake._decide(req, req.orders, ltp)  # stores nothing
    facts = intake.accounts.book.facts([o.client_id for o in decided])
    rows = []
    for order in decided:
        rate = intake.risk.margin_rates.get(order.trade_type, Decimal(1))
        price = order.price or order.trigger_price or ltp  # risk.reference_price's order
        margin = available_margin(facts.margin_rows.get(order.client_id), order.instrument.exchange)
        required = None if price is None else (price * order.quantity * rate).quantize(CENT)
        rows.append(
            {
                "client_id": order.client_id,
                "order_id": order.order_id,
                "side": None if order.side is None else order.side.value,
                "quantity": order.quantity,
                "approved": order.rule is None,
                "rule": order.rule,
                "reason": order.reason,
                "notes": list(order.risk_notes),
                "checks": [c.as_json() for c in order.risk_checks],
                "margin_rate": str(rate),
                "reference_price": _money(price),
                "required_margin": _money(required),
                "available_margin": _money(margin),
                "slices": slice_sizes(
                    order.quantity, order.instrument.lot_size, order.instrument.freeze_quantity
                ),
            }
        )
    return {"ltp": _money(ltp), "orders": rows}
