"""Input text no service can use is a 422 naming where it is, before any route runs.

Plain ASGI, in every service (`ServiceRuntime.create_app`):
- a control character in the URL (path, query name or value): no id, filter or name of
  ours holds one, and it could break an internal URL or a stored value;
- in a JSON body, a string (or key) PostgreSQL's text cannot hold: NUL (`\\u0000`) or an
  unpaired UTF-16 surrogate (a lone `\\ud800`). Met in a store, the first was an asyncpg
  error and the second a 500. The body is parsed here only when its bytes hold such an
  escape, so a normal request pays one regex scan.
Behind it, `unstorable_text` answers PostgreSQL's own refusal of NUL (a body that is not
JSON) with the same 422.
"""

import json
import re
from collections.abc import Iterator
from typing import Any
from urllib.parse import parse_qsl, unquote

import asyncpg
from fastapi import Request
from fastapi.responses import JSONResponse
from starlette.types import Message, Receive, Scope, Send

from common.http import HttpMiddleware
from common.problems import problem

_CONTROL = re.compile(r"[\x00-\x1f\x7f]")
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
            yield problem(loc, reason)
    elif isinstance(value, dict):
        for key, item in value.items():
            yield from problems_in(key, [*loc, "(key)"])
            yield from problems_in(item, [*loc, key])
    elif isinstance(value, list):
        for index, item in enumerate(value):
            yield from problems_in(item, [*loc, index])


def _url_problems(scope: Scope) -> list[dict[str, Any]]:
    if _CONTROL.search(unquote(scope["path"])):
        return [problem(["path"], "the path holds a control character")]
    query = scope.get("query_string", b"").decode("latin-1")
    for name, value in parse_qsl(query, keep_blank_values=True):
        if _CONTROL.search(name) or _CONTROL.search(value):
            return [problem(["query", name], "the value holds a control character")]
    return []


def _body_problems(body: bytes) -> list[dict[str, Any]]:
    if not _SUSPECT_ESCAPE.search(body):
        return []
    try:
        parsed = json.loads(body)
    except ValueError:
        return []  # not JSON: the route's own parsing answers it
    return list(problems_in(parsed, ["body"]))


class TextGuard(HttpMiddleware):
    async def handle(self, scope: Scope, receive: Receive, send: Send) -> None:
        problems = _url_problems(scope)
        if problems:
            await JSONResponse({"detail": problems}, 422)(scope, receive, send)
            return
        messages = [await receive()]
        while messages[-1]["type"] == "http.request" and messages[-1].get("more_body"):
            messages.append(await receive())
        body = b"".join(m.get("body", b"") for m in messages if m["type"] == "http.request")
        problems = _body_problems(body)
        if problems:
            await JSONResponse({"detail": problems}, 422)(scope, receive, send)
            return

        async def replay() -> Message:
            return messages.pop(0) if messages else await receive()

        await self.app(scope, replay, send)


UNSTORABLE_TEXT_ERRORS = (
    asyncpg.exceptions.CharacterNotInRepertoireError,
    asyncpg.exceptions.UntranslatableCharacterError,
)


async def unstorable_text(request: Request, exc: Exception) -> JSONResponse:
    """PostgreSQL refused a NUL the guard could not see: still the caller's error."""
    nul = problem(["body"], "a text value holds a NUL character, which cannot be stored")
    return JSONResponse({"detail": [nul]}, 422)
