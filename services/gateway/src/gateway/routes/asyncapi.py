"""The Kafka contract for other systems: GET /asyncapi (JSON, or HTML for a browser).

The document is built from the code (common.asyncapi), the same as docs/asyncapi.yaml,
which a test keeps equal. It names topics and message fields, no data, so it needs no
sign-in (like /openapi.json).
"""

from functools import cache
from typing import Any

from common.asyncapi import build_document
from fastapi import APIRouter, Request
from fastapi.responses import HTMLResponse, JSONResponse, Response

from gateway import asyncapi_page

router = APIRouter(tags=["contract"])


@cache
def _document() -> dict[str, Any]:
    return build_document()


@cache
def _page() -> str:
    return asyncapi_page.render(_document())


@router.get(
    "/asyncapi",
    summary="The Kafka topics as AsyncAPI 3.0: JSON, or a readable page when a browser asks",
)
async def asyncapi(request: Request) -> Response:
    accept = request.headers.get("accept", "")
    if "text/html" in accept and "application/json" not in accept:
        return HTMLResponse(_page())
    return JSONResponse(_document())


@router.get("/asyncapi.json", summary="The Kafka topics as AsyncAPI 3.0 (JSON)")
async def asyncapi_json() -> JSONResponse:
    return JSONResponse(_document())


@router.get("/asyncapi.html", summary="The Kafka topics as a readable page")
async def asyncapi_html() -> HTMLResponse:
    return HTMLResponse(_page())


@router.get("/asyncapi.css", include_in_schema=False)
async def asyncapi_css() -> Response:
    return Response(asyncapi_page.STYLE, media_type="text/css")
