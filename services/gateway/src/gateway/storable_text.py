"""Text PostgreSQL cannot store is refused at the door (plain ASGI).

PostgreSQL's text holds neither NUL nor an unpaired UTF-16 surrogate, yet both reach a
request easily: `%00` in a path or query, `\\u0000` or a lone `\\ud800` in JSON. Met deep
in a store or a peer they were a 500 (or a peer's 503) for what is bad input. This
middleware answers 422 naming where the character is, before any route runs.

The JSON body is parsed here only when its bytes hold such an escape, so a normal
request pays one regex scan.
"""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl

from fastapi.responses import JSONResponse
from starlette.types import ASGIApp, Message, Receive, Scope, Send

_SUSPECT_ESCAPE = re.compile(rb"\\u(0000|[dD][89a-fA-F])")
"""In JSON bytes: an escaped NUL or surrogate (a valid pair also matches; the walk decides)."""


def unstorable(text: str) -> str | None:
    """Why PostgreSQL cannot store `text`, or None when it can."""
    if "\x00" in text:
        return "holds a NUL character (\\u0000), which cannot be stored"
    try:
        text.encode("utf-8")
    except UnicodeEncodeError:
        return "holds an unpaired UTF-16 surrogate, which is not valid Unicode"
    return None


def problems_in(value: Any, loc: list[str | int]) -> Iterator[dict[str, Any]]:
    """Every string (keys too) in a parsed JSON value that cannot be stored, by location."""
    if isinstance(value, str):
        reason = unstorable(value)
        if reason:
            yield {"loc": loc, "msg": reason, "type": "value_error"}
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from problems_in(key, [*loc, "(key)"])
            yield from problems_in(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from problems_in(item, [*loc, index])


def _problems_of(scope: Scope, body: bytes) -> list[dict[str, Any]]:
    found = list(problems_in(scope["path"], ["path"]))
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        found += problems_in(name, ["query", "(name)"])
        found += problems_in(value, ["query", name])
    if body and _SUSPECT_ESCAPE.search(body):
        try:
            parsed = json.loads(body)
        except ValueError:
            parsed = None  # not JSON: the route's own parsing answers it
        found += problems_in(parsed, ["body"])
    return found


class StorableText:
    def __init__(self, app: ASGIApp) -> None:
        self.app = app

    async def __call__(self, scope: Scope, receive: Receive, send: Send) -> None:
        if scope["type"] != "http":
            await self.app(scope, receive, send)
            return
        messages = [await receive()]
        while messages[-1]["type"] == "http.request" and messages[-1].get("more_body"):
            messages.append(await receive())
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        problems = _problems_of(scope, body)
        if problems:
            await JSONResponse({"detail": problems}, status_code=422)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)
