"""POST /api/v1/orders/basket (issue 14): several legs for a group or a client list at once.

The whole basket is validated before anything is published (gateway/basket_plan.py): one
422 names every problem of every leg, and nothing is placed. A valid basket is ONE message
on orders.requests.v1 (a batch whose orders are the legs): the legs in their margin-safe
sending order, each client's order in each leg it has a quantity for. The order-router
sends each client's legs in that order, holding the later ones until the first trades
(unless `stop_on_first_leg_rejection` is false); follow it at GET /batches/{id}.
"""

from common.contracts.requests import BasketLeg, BasketRequested, ClientOrder
from common.ids import new_id
from common.problems import invalid
from fastapi import APIRouter, status
from fastapi.responses import JSONResponse

from gateway.basket_models import BasketAccepted, BasketIn, BasketLegOut
from gateway.basket_plan import basket_plan
from gateway.idempotency import AuditEntry, Once, Outcome
from gateway.new_batch import NewBatch
from gateway.order_models import OrderRef
from gateway.order_plan import PlanSources
from gateway.routes.orders import _terms

router = APIRouter(prefix="/api/v1", tags=["orders"])


@router.post(
    "/orders/basket",
    status_code=status.HTTP_202_ACCEPTED,
    response_model=BasketAccepted,
    responses={
        422: {"description": "the basket is invalid: one entry per problem, nothing placed"}
    },
    summary="Several legs for a group or client list, sent per client in a margin-safe order",
)
async def place_basket(
    body: BasketIn,
    once: Once,
    batch: NewBatch,
    sources: PlanSources,
) -> JSONResponse:
    async def decide() -> Outcome:
        legs, problems = await basket_plan(body, sources)
        if problems:
            raise invalid(problems)
        out_legs: list[BasketLegOut] = []
        message_legs: list[BasketLeg] = []
        for number, planned in enumerate(legs, start=1):
            entries = planned.plan.entries
            orders = [
                ClientOrder(order_id=new_id(), client_id=e.client_id, quantity=e.quantity)
                for e in entries
                if e.quantity != 0
            ]
            message_legs.append(
                BasketLeg(terms=_terms(planned.leg, planned.prices), orders=tuple(orders))
            )
            out_legs.append(
                BasketLegOut(
                    leg=number,
                    asked_as=planned.index + 1,
                    token_id=planned.instrument.token,
                    symbol=planned.instrument.symbol,
                    side=planned.leg.execution_type,
                    orders=[OrderRef(client_id=o.client_id, order_id=o.order_id) for o in orders],
                    skipped=[e.client_id for e in entries if e.quantity == 0],
                )
            )
        message = BasketRequested(
            **batch.envelope(),
            legs=tuple(message_legs),
            stop_on_first_leg_rejection=body.stop_on_first_leg_rejection,
        )
        answer = BasketAccepted(
            batch_id=batch.batch_id,
            legs=out_legs,
            stop_on_first_leg_rejection=body.stop_on_first_leg_rejection,
        )
        details = body.model_dump(mode="json")
        details["legs_sent_as"] = [
            {"leg": leg.leg, "asked_as": leg.asked_as,
             "orders": {o.client_id: q.quantity for o, q in zip(leg.orders, m.orders,
                                                                 strict=True)}}
            for leg, m in zip(out_legs, message_legs, strict=True)
        ]  # fmt: skip
        entry = AuditEntry("basket.place", batch.batch_id, details, correlation_id=batch.batch_id)
        return Outcome(answer.model_dump(mode="json"), (message,), (entry,))

    return await once.run(body.model_dump(mode="json"), decide)
