"""On-demand reconciliation and drift (issue 6), admin only.

`POST /api/v1/admin/reconcile` asks the broker-adapter to read positions and margins at the
broker now; the portfolio compares them with its own and reports any drift, which
`GET /api/v1/admin/drift` shows. Drift is reported, never applied to positions.
"""

from typing import Any

import httpx
from common.http import service_client
from fastapi import APIRouter, HTTPException, Request, status
from pydantic import BaseModel, Field

from gateway import audit, deps
from gateway.auth.deps import Admin, Viewer
from gateway.portfolio_client import Portfolio

router = APIRouter(prefix="/api/v1", tags=["admin"])


class ReconcileIn(BaseModel):
    client_ids: list[str] | None = Field(
        default=None, description="clients to reconcile; omitted: every client"
    )


@router.post("/admin/reconcile", summary="Read positions and margins at the broker now")
async def reconcile(
    request: Request, user: Admin, pool: deps.Pool, body: ReconcileIn | None = None
) -> dict[str, Any]:
    wanted = body or ReconcileIn()
    settings = deps.settings(request)
    async with service_client(
        settings.broker_adapter_url, settings.internal_api_token, 60
    ) as adapter:
        try:
            answer = await adapter.post("/internal/reconcile", json=wanted.model_dump())
        except httpx.HTTPError as error:
            raise HTTPException(
                status.HTTP_503_SERVICE_UNAVAILABLE,
                f"the broker-adapter is unavailable ({type(error).__name__}); try again shortly",
            ) from error
    if answer.status_code >= 400:
        raise HTTPException(
            status.HTTP_503_SERVICE_UNAVAILABLE,
            f"the broker-adapter could not reconcile (HTTP {answer.status_code})",
        )
    result: dict[str, Any] = answer.json()
    await audit.record(pool, user, "positions.reconcile", None, {"client_ids": wanted.client_ids})
    return {**result, "follow": "GET /api/v1/admin/drift"}


@router.get("/admin/drift", summary="Where our positions differ from the broker's")
async def drift(_: Viewer, portfolio: Portfolio, client_id: str | None = None) -> dict[str, Any]:
    report = await portfolio.drift(client_id)
    return {"drift": []} if report is None else report.as_json()
