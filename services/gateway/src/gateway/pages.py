"""The desk's screen: one HTML shell for every page URL, and its static files.

Each page has its own URL (/, /clients/{id}, /exit/{token}, /orders, /positions, /admin)
so deep links and the back button work: the gateway answers all of them with the same
shell and the page's JavaScript routes on the path with the history API. The shell holds
no data; everything it shows comes from the authenticated API with the operator's token.
"""

import re
from pathlib import Path

from fastapi import APIRouter, HTTPException
from fastapi.responses import FileResponse, Response

router = APIRouter(include_in_schema=False)
FILES = Path(__file__).parent / "dashboard"
_TYPES = {".js": "text/javascript", ".css": "text/css", ".png": "image/png"}
_ASSET = re.compile(r"^[a-z][a-z0-9_-]{0,40}\.(js|css|png)$")
PAGES = ("/", "/clients/{client_id}", "/exit/{token_id}", "/orders", "/positions", "/admin")


async def shell() -> FileResponse:
    # no-cache: a deploy's new shell and scripts are picked up on the next load
    return FileResponse(
        FILES / "index.html", media_type="text/html", headers={"Cache-Control": "no-cache"}
    )


for _path in PAGES:
    router.add_api_route(_path, shell, methods=["GET"])


@router.get("/favicon.ico")
async def favicon() -> Response:
    return Response(status_code=204)  # no icon; answered so browsers stop asking


@router.get("/static/{name}")
async def asset(name: str) -> FileResponse:
    """A file of the dashboard folder; names are checked, so no path leaves it."""
    if not _ASSET.match(name) or not (FILES / name).is_file():
        raise HTTPException(404, f"no dashboard asset named {name}")
    return FileResponse(
        FILES / name, media_type=_TYPES[Path(name).suffix], headers={"Cache-Control": "no-cache"}
    )
