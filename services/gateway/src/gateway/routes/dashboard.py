"""The operator's dashboard: one static page at / that drives the public API and /ws.

The page itself is public (it holds no data); everything it shows comes from the
authenticated API with the operator's token.
"""

from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

router = APIRouter(include_in_schema=False)
_FILES = Path(__file__).parents[1] / "dashboard"
_ASSETS = {"app.js": "text/javascript", "style.css": "text/css"}


@router.get("/")
async def dashboard() -> FileResponse:
    return FileResponse(_FILES / "index.html", media_type="text/html")


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204)  # no icon; answered so browsers stop asking


@router.get("/static/{name}")
async def asset(name: str) -> FileResponse:
    if name not in _ASSETS:
        raise HTTPException(404, f"no dashboard asset named {name}")
    return FileResponse(_FILES / name, media_type=_ASSETS[name])
