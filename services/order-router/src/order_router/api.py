"""Internal read API the gateway queries: orders, batches, the kill switch."""

import json
from collections import Counter
from datetime import datetime
from typing import Annotated, Any

import asyncpg
from common.http import MAX_OFFSET
from fastapi import APIRouter, Depends, HTTPException, Query, Request

from order_router import store_kill_switches, store_orders
from order_router.baskets import basket_view
from order_router.orders import Order
from order_router.slices import is_parent, slice_view
from order_router.transitions import is_terminal

router = APIRouter(prefix="/internal", tags=["internal"])


def _pool(request: Request) -> asyncpg.Pool:
    pool: asyncpg.Pool = request.app.state.runtime.pool
    return pool


Pool = Annotated[asyncpg.Pool, Depends(_pool)]


@router.get("/orders/{order_id}", summary="One order as the OMS sees it")
async def get_order(order_id: str, pool: Pool) -> dict[str, Any]:
    order = await store_orders.get_order(pool, order_id)
    if order is None:
        raise HTTPException(404, f"order {order_id} not found")
    if not is_parent(order):
        return order.as_json()
    slices = (await store_orders.slices_of(pool, [order_id])).get(order_id, [])
    return {**order.as_json(), "slices": slice_view(order, slices)}


@router.get("/orders", summary="Orders, newest first, filtered")
async def list_orders(
    pool: Pool,
    client_id: str | None = None,
    token: int | None = None,
    status: Annotated[list[str] | None, Query()] = None,
    batch_id: str | None = None,
    since: datetime | None = None,
    until: datetime | None = None,
    limit: Annotated[int, Query(ge=1, le=5000)] = 100,
    offset: Annotated[int, Query(ge=0, le=MAX_OFFSET)] = 0,
) -> dict[str, Any]:
    statuses = [s.strip().upper() for raw in status or [] for s in raw.split(",") if s.strip()]
    orders = await store_orders.list_orders(
        pool,
        store_orders.OrderFilter(client_id, token, statuses, batch_id, since, until, limit, offset),
    )
    return {"orders": [o.as_json() for o in orders], "limit": limit, "offset": offset}


@router.get("/batches/{batch_id}", summary="A batch: counts by status and one row per order")
async def get_batch(batch_id: str, pool: Pool) -> dict[str, Any]:
    batch = await store_orders.get_batch(pool, batch_id)
    if batch is None:
        raise HTTPException(404, f"batch {batch_id} not found (or not processed yet)")
    everything = await store_orders.batch_orders(pool, batch_id)
    return batch_view(batch, everything)


def batch_view(batch: asyncpg.Record, everything: list[Order]) -> dict[str, Any]:
    """The batch's orders (a sliced order once, with its slices; a basket's by client and
    leg); complete once every order is finished, a sliced one once all its slices are."""
    slices: dict[str, list[Order]] = {}
    for o in everything:
        if o.parent_order_id is not None:
            slices.setdefault(o.parent_order_id, []).append(o)
    orders = [o for o in everything if o.parent_order_id is None]

    def settled(o: Order) -> bool:
        if is_parent(o):
            return all(is_terminal(s.status) for s in slices.get(o.order_id, []))
        return is_terminal(o.status)

    counts = Counter(o.status.value for o in orders)
    terminal = sum(1 for o in orders if settled(o))
    legs = batch["legs"]
    return {
        "batch_id": batch["batch_id"],
        "kind": batch["kind"],
        "token_id": batch["token"],
        "execution_type": batch["execution_type"],
        "order_type": batch["order_type"],
        "trade_type": batch["trade_type"],
        "price": None if batch["price"] is None else str(batch["price"]),
        "trigger_price": None if batch["trigger_price"] is None else str(batch["trigger_price"]),
        "actor": batch["actor"],
        "created_at": batch["created_at"].isoformat(),
        "total": len(orders),
        "counts": dict(sorted(counts.items())),
        "complete": terminal == len(orders),
        **({} if legs is None else basket_view(json.loads(legs), orders)),
        "orders": [
            {
                "client_id": o.client_id,
                "order_id": o.order_id,
                **(
                    {}
                    if o.leg is None
                    else {
                        "leg": o.leg,
                        "token_id": o.instrument.token,
                        "side": o.side.value if o.side else None,
                    }
                ),
                "status": o.status.value,
                "terminal": is_terminal(o.status),
                "rule": o.rule,
                "reason": o.reason,
                "quantity": o.quantity,
                "filled_quantity": o.filled_quantity,
                "average_price": o.as_json()["average_price"],
                "broker_order_id": o.broker_order_id,
                **({"slices": slice_view(o, slices.get(o.order_id, []))} if is_parent(o) else {}),
            }
            for o in orders
        ],
    }


@router.get("/kill-switch", summary="Engaged and released kill switches")
async def kill_switch(pool: Pool) -> dict[str, Any]:
    rows = await store_kill_switches.kill_switches(pool)
    scopes = [
        {
            "client_id": None if r["scope"] == store_kill_switches.GLOBAL_SCOPE else r["scope"],
            "engaged": r["engaged"],
            "reason": r["reason"],
            "actor": r["actor"],
            "updated_at": r["updated_at"].isoformat(),
        }
        for r in rows
    ]
    glob = next((s for s in scopes if s["client_id"] is None), None)
    return {
        "global": glob or {"client_id": None, "engaged": False, "reason": None},
        "clients": [s for s in scopes if s["client_id"] is not None],
    }
