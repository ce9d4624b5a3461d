"""Single orders, batches, modify/cancel (issue 5).

A POST validates the WHOLE request (clients, instrument, lot and tick, prices for the
order type) and answers 422 with one entry per bad field before anything is published.
A valid request is published as one message on orders.requests.v1 and answered 202 at
once with the ids the gateway minted; it never waits for the broker. Follow it with
GET /batches/{batch_id}, GET /orders/{order_id} or the `batch:{id}` WebSocket channel.
"""

from dataclasses import asdict
from datetime import UTC, datetime
from decimal import Decimal
from typing import Annotated, Any

from common.contracts.instruments import TOKEN_MAX, Instrument
from common.contracts.requests import (
    BatchRequested,
    CancelRequested,
    ClientOrder,
    ModifyRequested,
    OrderRequested,
    OrderTerms,
)
from common.enums import OrderStatus, OrderType
from common.http import MAX_OFFSET
from common.ids import new_id
from common.problems import invalid, problem
from fastapi import APIRouter, HTTPException, Query, status
from fastapi.responses import JSONResponse, Response

from gateway import deps, previews
from gateway.auth.deps import Viewer
from gateway.clients.store_clients import find_clients
from gateway.csv_export import CSV_RESPONSES, Export
from gateway.idempotency import AuditEntry, Once, Outcome
from gateway.market_data_client import Instruments, UnknownInstrument
from gateway.new_batch import NewBatch, batch_route
from gateway.order_models import (
    Accepted,
    ExecuteAllIn,
    ModifyIn,
    OrderRef,
    PlaceOrderIn,
    _Terms,
)
from gateway.order_plan import PlanSources, allotment_out, plan
from gateway.order_validation import (
    BODY,
    Prices,
    check_client,
    check_quantity,
    check_terms,
    normalised_prices,
)
from gateway.peers import PeersDep
from gateway.router_client import Router
from gateway.router_views import OrderView

router = APIRouter(prefix="/api/v1", tags=["orders"])

_422: dict[int | str, dict[str, Any]] = {
    422: {"description": "the request is invalid: one entry per bad field, nothing placed"}
}


async def _checked_terms(
    instruments: Instruments, body: PlaceOrderIn | ExecuteAllIn
) -> tuple[Instrument | None, Prices, list[dict[str, Any]]]:
    """The instrument and prices every order of the request shares, and what is wrong."""
    try:
        instrument = await instruments.get(body.token_id, body.exchange)
        problems = []
    except UnknownInstrument as unknown:
        instrument, problems = None, [problem([BODY, unknown.field], str(unknown))]
    prices = normalised_prices(body.price, body.trigger_price)
    problems += check_terms(body.order_type, prices, instrument)
    return instrument, prices, problems


def _terms(body: _Terms, prices: Prices) -> OrderTerms:
    """What the request's orders share (an order, a batch or a basket's leg): the body's
    terms by name, its prices as normalised."""
    terms = body.model_dump(include=set(OrderTerms.model_fields))
    return OrderTerms(**terms | asdict(prices))


@batch_route(
    router,
    "/orders/place",
    responses=_422,
    summary="Place one order for one client (answers at once; the broker works later)",
)
async def place_order(
    body: PlaceOrderIn, once: Once, batch: NewBatch, pool: deps.Pool, instruments: Instruments
) -> JSONResponse:
    async def decide() -> Outcome:
        instrument, prices, problems = await _checked_terms(instruments, body)
        clients = await find_clients(pool, [body.client_id])
        problems += check_client([BODY, "client_id"], body.client_id, clients)
        problems += check_quantity(
            [BODY, "quantity"], body.quantity, body.execution_type, instrument
        )
        if problems:
            raise invalid(problems)
        order_id = new_id()
        order = ClientOrder(order_id=order_id, client_id=body.client_id, quantity=body.quantity)
        message = OrderRequested(**batch.envelope(), order=order, terms=_terms(body, prices))
        answer = Accepted(
            batch_id=batch.batch_id,
            orders=[OrderRef(client_id=body.client_id, order_id=order_id)],
        )
        details = body.model_dump(mode="json")
        entry = AuditEntry("order.place", order_id, details, correlation_id=batch.batch_id)
        return Outcome(answer.model_dump(mode="json"), (message,), (entry,))

    return await once.run(body.model_dump(mode="json"), decide)


@batch_route(
    router,
    "/orders/execute-all",
    responses=_422,
    summary="One order per client with a non-zero quantity, on the same terms (a batch)",
)
async def execute_all(
    body: ExecuteAllIn,
    once: Once,
    batch: NewBatch,
    sources: PlanSources,
    peers: PeersDep,
) -> JSONResponse:
    async def decide() -> Outcome:
        instrument, prices, problems = await _checked_terms(sources.instruments, body)
        resolved = await plan(body, instrument, prices, sources)
        problems += resolved.problems
        if problems:
            raise invalid(problems)
        entries = resolved.entries
        orders = [
            ClientOrder(order_id=new_id(), client_id=e.client_id, quantity=e.quantity)
            for e in entries
            if e.quantity != 0
        ]
        message = BatchRequested(
            **batch.envelope(), terms=_terms(body, prices), orders=tuple(orders)
        )
        if body.preview_id is not None:  # exactly what the preview showed, or 409
            shown = await previews.shown(sources.pool, once.user.username, body)
            verdicts = await previews.dry_run(peers.router, message)
            now = previews.facts_of(resolved, {v["client_id"]: v for v in verdicts["orders"]})
            previews.refuse_if_changed(shown, now)
        allotments = resolved.allotments
        answer = Accepted(
            batch_id=batch.batch_id,
            orders=[OrderRef(client_id=o.client_id, order_id=o.order_id) for o in orders],
            skipped=[e.client_id for e in entries if e.quantity == 0],
            allocation=None if allotments is None else [allotment_out(a) for a in allotments],
        )
        details = body.model_dump(mode="json", exclude={"client_orders", "group", "allocation"})
        details["orders"] = {o.client_id: o.quantity for o in orders}
        if answer.allocation is not None:  # the group's rule, resolved quantities and skips
            details["group"] = body.group
            details["allocation"] = body.model_dump(mode="json")["allocation"]
            details["allotments"] = [a.model_dump(mode="json") for a in answer.allocation]
        entry = AuditEntry("batch.place", batch.batch_id, details, correlation_id=batch.batch_id)
        return Outcome(answer.model_dump(mode="json"), (message,), (entry,))

    return await once.run(body.model_dump(mode="json"), decide)


@router.get("/batches/{batch_id}", summary="A batch: counts by status and every client's order")
async def get_batch(batch_id: str, user: Viewer, orders: Router) -> dict[str, Any]:
    batch = await orders.batch(batch_id)
    if batch is None:
        raise HTTPException(
            status.HTTP_404_NOT_FOUND,
            f"batch {batch_id} not found (a batch just accepted appears within moments)",
        )
    return batch.as_json()


@router.get("/orders", summary="Orders, newest first, filtered", responses=CSV_RESPONSES)
async def list_orders(
    user: Viewer,
    orders: Router,
    export: Export,
    client_id: str | None = None,
    token_id: Annotated[int | None, Query(gt=0, le=TOKEN_MAX)] = None,
    status_: Annotated[
        list[OrderStatus] | None, Query(alias="status", description="repeat for several")
    ] = None,
    batch_id: str | None = None,
    since: Annotated[datetime | None, Query(description="created at or after (ISO 8601)")] = None,
    until: Annotated[datetime | None, Query(description="created before (ISO 8601)")] = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> Response:
    found = await orders.orders(
        {
            "client_id": client_id,
            "token": token_id,
            "status": [s.value for s in status_] if status_ else None,
            "batch_id": batch_id,
            "since": _utc("since", since),
            "until": _utc("until", until),
            "limit": limit,
            "offset": offset,
        }
    )
    page = found.as_json()
    return export.respond(page, page["orders"], "orders")


def _utc(name: str, moment: datetime | None) -> str | None:
    """An instant in UTC (a time without an offset is taken as UTC); 422 when it has none."""
    if moment is None:
        return None
    try:
        utc = moment.astimezone(UTC) if moment.tzinfo else moment.replace(tzinfo=UTC)
    except OverflowError:
        raise invalid([problem(["query", name], "outside the years 1 to 9999")]) from None
    return utc.isoformat()


@router.get("/orders/{order_id}", summary="One order: status, fills, broker order id, reason")
async def get_order(order_id: str, user: Viewer, orders: Router) -> dict[str, Any]:
    return (await _order_or_404(orders, order_id)).as_json()


async def _order_or_404(orders: Router, order_id: str) -> OrderView:
    order = await orders.order(order_id)
    if order is None:
        raise HTTPException(status.HTTP_404_NOT_FOUND, f"order {order_id} not found")
    return order


@router.post(
    "/orders/{order_id}/modify",
    status_code=status.HTTP_202_ACCEPTED,
    responses=_422,
    summary="Change a working order's type, quantity, price or trigger",
)
async def modify_order(order_id: str, body: ModifyIn, once: Once, orders: Router) -> JSONResponse:
    async def decide() -> Outcome:
        order = await _order_or_404(orders, order_id)
        current = order.status
        if not order.modifiable:  # the router's transition table says
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"order {order_id} is {current}: only ACCEPTED or PARTIALLY_FILLED orders "
                "can be modified",
            )
        if not body.model_fields_set:
            raise invalid([problem([BODY], "give at least one of order_type, quantity, "
                                   "price, trigger_price")])  # fmt: skip
        new_type = body.order_type or order.order_type
        prices = _modified_prices(order, body, new_type)
        problems = _modify_problems(order, body, new_type, prices)
        if problems:
            raise invalid(problems)
        message = ModifyRequested(
            correlation_id=order.batch_id,
            actor=once.user.username,
            order_id=order_id,
            client_id=order.client_id,
            order_type=new_type,
            quantity=body.quantity or order.quantity,
            price=prices.price,
            trigger_price=prices.trigger_price,
        )
        answer = {"order_id": order_id, "client_id": order.client_id, "requested": "modify"}
        details = body.model_dump(mode="json")
        entry = AuditEntry("order.modify", order_id, details, correlation_id=order.batch_id)
        return Outcome(answer, (message,), (entry,))

    return await once.run(body.model_dump(mode="json"), decide)


def _modify_problems(
    order: OrderView, body: ModifyIn, new_type: OrderType, prices: Prices
) -> list[dict[str, Any]]:
    instrument = order.instrument()
    problems = check_terms(new_type, prices, instrument)
    if body.quantity is not None:
        problems += check_quantity(
            [BODY, "quantity"], body.quantity, order.execution_type, instrument
        )
        if body.quantity <= order.filled_quantity:
            problems.append(
                problem(
                    [BODY, "quantity"],
                    f"quantity {body.quantity} must be above the {order.filled_quantity} "
                    "shares already filled",
                )
            )
    return problems


def _modified_prices(order: OrderView, body: ModifyIn, new_type: OrderType) -> Prices:
    """The prices after the change: given ones win, old ones stay only where still used."""

    def old(name: str) -> Decimal | None:
        value: Decimal | None = getattr(order, name)
        return value

    needs_price = new_type in (OrderType.LIMIT, OrderType.STOPLOSS)
    needs_trigger = new_type in (OrderType.STOPLOSS, OrderType.STOPLOSS_MARKET)
    price = body.price if body.price is not None else (old("price") if needs_price else None)
    trigger = (
        body.trigger_price
        if body.trigger_price is not None
        else (old("trigger_price") if needs_trigger else None)
    )
    return normalised_prices(price, trigger)


@router.post(
    "/orders/{order_id}/cancel",
    status_code=status.HTTP_202_ACCEPTED,
    summary="Cancel a working order",
)
async def cancel_order(order_id: str, once: Once, orders: Router) -> JSONResponse:
    async def decide() -> Outcome:
        order = await _order_or_404(orders, order_id)
        current = order.status
        answer = {"order_id": order_id, "client_id": order.client_id, "requested": "cancel"}
        if current is OrderStatus.PENDING_CANCEL:
            return Outcome(answer)  # already on its way
        if not order.cancelable:
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"order {order_id} is {current}: there is nothing left to cancel",
            )
        message = CancelRequested(
            correlation_id=order.batch_id,
            actor=once.user.username,
            order_id=order_id,
            client_id=order.client_id,
        )
        entry = AuditEntry("order.cancel", order_id, correlation_id=order.batch_id)
        return Outcome(answer, (message,), (entry,))

    return await once.run(None, decide)
