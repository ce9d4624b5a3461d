"""CSV exports: one renderer for every list route that offers CSV.

A route takes `export: Export` and answers `export.respond(body, rows, name)`: JSON as always, or
the same rows as CSV when the caller asks for it with `?format=csv` or an `Accept` header
that prefers `text/csv` (a `format` query wins over the header). Cells hold what the JSON
holds: money as the API's decimal strings, times ISO 8601, empty for null, JSON text for a
list or an object, `true`/`false` for a boolean. The first row is the header.
"""

import csv
import io
import json
from collections.abc import Iterable, Mapping, Sequence
from datetime import date, datetime
from enum import Enum
from typing import Annotated, Any, Literal

from fastapi import Depends, Query, Request
from fastapi.encoders import jsonable_encoder
from fastapi.responses import JSONResponse, Response
from pydantic import BaseModel

CSV_MEDIA_TYPE = "text/csv"


def _cell(value: Any) -> str:
    if value is None:
        return ""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, Enum):
        return str(value.value)
    if isinstance(value, datetime | date):
        return value.isoformat()
    if isinstance(value, list | dict | tuple):
        return json.dumps(jsonable_encoder(value), separators=(",", ":"))
    return str(value)


def _row(item: Mapping[str, Any] | BaseModel) -> Mapping[str, Any]:
    return item.model_dump(mode="json") if isinstance(item, BaseModel) else item


def to_csv(rows: Iterable[Mapping[str, Any] | BaseModel], columns: Sequence[str] = ()) -> str:
    """The rows as CSV text. `columns`: the header (default: every key, in first-seen order)."""
    plain = [_row(r) for r in rows]
    header = list(columns)
    if not header:
        seen: dict[str, None] = {}
        for r in plain:
            seen.update(dict.fromkeys(r))
        header = list(seen)
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\r\n")
    writer.writerow(header)
    for r in plain:
        writer.writerow([_cell(r.get(c)) for c in header])
    return out.getvalue()


def _prefers_csv(accept: str) -> bool:
    """True when `text/csv` has the highest quality among the types the caller accepts."""
    best: tuple[float, int] | None = None
    csv_rank: tuple[float, int] | None = None
    for position, part in enumerate(accept.split(",")):
        media, *params = (p.strip() for p in part.split(";"))
        quality = 1.0
        for p in params:
            if p.startswith("q="):
                try:
                    quality = float(p[2:])
                except ValueError:
                    quality = 0.0
        if quality <= 0 or not media:
            continue
        rank = (quality, -position)
        if media.lower() == CSV_MEDIA_TYPE:
            csv_rank = rank
        if best is None or rank > best:
            best = rank
    return csv_rank is not None and csv_rank == best


class ExportFormat:
    """How the caller wants a list: JSON (the route's own answer) or CSV."""

    def __init__(self, csv: bool) -> None:
        self.csv = csv

    def respond(
        self,
        body: Any,
        rows: Iterable[Mapping[str, Any] | BaseModel],
        filename: str,
        columns: Sequence[str] = (),
    ) -> Response:
        """`body` as JSON, or `rows` (the body's list) as CSV named `filename`.csv."""
        if not self.csv:
            return JSONResponse(jsonable_encoder(body))
        return Response(
            to_csv(rows, columns),
            media_type=f"{CSV_MEDIA_TYPE}; charset=utf-8",
            headers={"Content-Disposition": f'attachment; filename="{filename}.csv"'},
        )


async def _export(
    request: Request,
    fmt: Annotated[
        Literal["json", "csv"] | None,
        Query(alias="format", description="csv or json; default: by the Accept header"),
    ] = None,
) -> ExportFormat:
    if fmt is not None:
        return ExportFormat(fmt == "csv")
    return ExportFormat(_prefers_csv(request.headers.get("accept", "")))


Export = Annotated[ExportFormat, Depends(_export)]
"""A route parameter: `export: Export`."""

CSV_RESPONSES: dict[int | str, dict[str, Any]] = {
    200: {"content": {CSV_MEDIA_TYPE: {}}, "description": "JSON, or CSV (?format=csv)"}
}
"""The routes' `responses=`: the API documents the CSV answer too."""
