"""Admin: the kill switch (issue 5) and the audit log's integrity check (issue 13).

Kill switch: stop new orders globally or for one client, optionally cancel.

POST publishes a KillSwitchRequested on orders.requests.v1; the order-router applies it
(its database and a Redis flag) and, with cancel_open_orders, sends a cancel for every
working order of the scope. The answer waits briefly until the router reports the new
state, so a 200 means new orders are denied from now on; a 202 means it is on its way.
"""

import asyncio
import time
from typing import Any

from common.contracts.requests import KillSwitchRequested
from common.ids import new_id
from common.logs import bound
from common.problems import invalid, problem
from common.topics import ORDER_REQUESTS
from fastapi import APIRouter
from fastapi.responses import JSONResponse

from gateway import audit, deps, store_audit
from gateway.auth.deps import Admin
from gateway.clients.store_clients import find_clients
from gateway.order_models import KillSwitchIn
from gateway.router_client import Router

router = APIRouter(prefix="/api/v1", tags=["admin"])

APPLY_WAIT_SECONDS = 10.0


@router.get("/admin/kill-switch", summary="The kill switch: global and per-client state")
async def kill_switch_state(user: Admin, orders: Router) -> dict[str, Any]:
    return (await orders.kill_switch()).as_json()


@router.post(
    "/admin/kill-switch",
    summary="Engage or release the kill switch (globally or for one client)",
    responses={
        200: {"description": "applied: new orders of the scope are denied (rule kill_switch)"},
        202: {"description": "published; the order-router has not confirmed it yet"},
    },
)
async def set_kill_switch(
    body: KillSwitchIn,
    user: Admin,
    pool: deps.Pool,
    publisher: deps.KafkaPublisher,
    orders: Router,
) -> JSONResponse:
    if body.client_id is not None and not await find_clients(pool, [body.client_id]):
        raise invalid(
            [problem(["body", "client_id"], f"client {body.client_id} is not registered")]
        )
    request_id = new_id()
    # the body's fields are the message's: the request goes on as asked
    message = KillSwitchRequested(
        correlation_id=request_id, actor=user.username, **body.model_dump()
    )
    with bound(correlation_id=request_id, client_id=body.client_id):
        await publisher.publish(ORDER_REQUESTS, message)
        action = "killswitch.on" if body.engaged else "killswitch.off"
        await audit.record(pool, user, action, body.client_id or "*", body.model_dump())
    applied = await _wait_applied(orders, body)
    answer = {
        "applied": applied is not None,
        "client_id": body.client_id,
        "engaged": body.engaged,
        "cancel_open_orders": body.cancel_open_orders,
        "state": applied,
    }
    return JSONResponse(answer, status_code=200 if applied is not None else 202)


async def _wait_applied(orders: Router, body: KillSwitchIn) -> dict[str, Any] | None:
    deadline = time.monotonic() + APPLY_WAIT_SECONDS
    while time.monotonic() < deadline:
        scope = (await orders.kill_switch()).scope(body.client_id)
        if scope and scope.engaged == body.engaged and scope.reason == body.reason:
            return scope.as_json()
        await asyncio.sleep(0.2)
    return None


@router.get(
    "/admin/audit/verify",
    summary="Does the audit log's hash chain hold? Where it first breaks, if not",
)
async def verify_audit(user: Admin, pool: deps.Pool) -> dict[str, Any]:
    """Every audit row carries the hash of the one before it (kept by the database): an
    edited, removed or inserted row breaks the chain there. Note `head.hash` outside the
    database now and then: a rewrite of the whole chain would change it."""
    return await store_audit.verify_chain(pool)
