"""POST /api/v1/orders/preview (issue 14): what execute-all would do, placing nothing.

Takes any body execute-all takes (an explicit list, or a group with an allocation),
validates it the same way (422 naming every problem), resolves each client's quantity,
and asks the order-router's risk dry run about every order; nothing is published, no
batch is stored, nothing is audited. The facts shown are kept for `preview_id`
(gateway/previews.py): execute-all with it places exactly this, or 409.
"""

from typing import Any

from common.contracts.requests import BatchRequested, ClientOrder
from common.ids import new_id
from common.problems import invalid, problem
from fastapi import APIRouter

from gateway import previews
from gateway.auth.deps import Trader
from gateway.new_batch import NewBatch
from gateway.order_models import ExecuteAllIn
from gateway.order_plan import PlanSources, plan
from gateway.peers import PeersDep
from gateway.preview import preview_rows
from gateway.routes.orders import _checked_terms, _terms

router = APIRouter(prefix="/api/v1", tags=["orders"])


@router.post(
    "/orders/preview",
    summary="Preview execute-all: each client's quantity, margin, session and risk verdict",
    responses={422: {"description": "the request is invalid: one entry per bad field"}},
)
async def preview(
    body: ExecuteAllIn,
    user: Trader,
    batch: NewBatch,
    sources: PlanSources,
    peers: PeersDep,
) -> dict[str, Any]:
    instrument, prices, problems = await _checked_terms(sources.instruments, body)
    if body.preview_id is not None:
        problems.append(problem(["body", "preview_id"], "preview_id is for execute-all"))
    resolved = await plan(body, instrument, prices, sources)
    problems += resolved.problems
    if problems:
        raise invalid(problems)
    assert instrument is not None  # else a problem above
    orders = [
        ClientOrder(order_id=new_id(), client_id=e.client_id, quantity=e.quantity)
        for e in resolved.entries
        if e.quantity != 0
    ]
    message = BatchRequested(**batch.envelope(), terms=_terms(body, prices), orders=tuple(orders))
    dry_run = await previews.dry_run(peers.router, message)
    verdicts = {row["client_id"]: row for row in dry_run["orders"]}
    facts = previews.facts_of(resolved, verdicts)
    preview_id, expires_at = await previews.save(sources.pool, user.username, body, facts)
    rows = preview_rows(resolved.entries, resolved.allotments, resolved.clients, instrument,
                        verdicts)  # fmt: skip
    placed = [r for r in rows if not r["skipped"]]
    return {
        "preview_id": preview_id,
        "expires_at": expires_at.isoformat(),
        "token_id": instrument.token,
        "exchange": instrument.exchange.value,
        "symbol": instrument.symbol,
        "lot_size": instrument.lot_size,
        "ltp": dry_run["ltp"],
        "group": body.group,
        "published": False,
        "orders": len(placed),
        "approved": sum(1 for r in placed if r["risk"] and r["risk"]["approved"]),
        "skipped": len(rows) - len(placed),
        "rows": rows,
    }
