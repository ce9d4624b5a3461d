"""The HTTP guards every service runs: correlation ids in and out, unusable text out."""

from typing import Any

import httpx
from asyncpg.exceptions import CharacterNotInRepertoireError
from common.http import CORRELATION_HEADER, CorrelationIds
from common.logs import correlation_id
from common.text_guard import UNSTORABLE_TEXT_ERRORS, TextGuard, unstorable_text
from fastapi import FastAPI


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(TextGuard)
    app.add_middleware(CorrelationIds)

    @app.get("/items/{item}")
    async def item(item: str, q: str = "") -> dict[str, str | None]:
        return {"item": item, "q": q, "correlation_id": correlation_id()}

    @app.post("/items")
    async def create(body: dict[str, Any]) -> dict[str, Any]:
        return body

    return app


def _client() -> httpx.AsyncClient:
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=_app()), base_url="http://svc")


async def test_correlation_id_given_by_caller_is_bound_and_returned() -> None:
    response = await _client().get("/items/a", headers={CORRELATION_HEADER: "batch-7"})
    assert response.status_code == 200
    assert response.json()["correlation_id"] == "batch-7"
    assert response.headers[CORRELATION_HEADER] == "batch-7"


async def test_correlation_id_minted_when_caller_sends_none() -> None:
    response = await _client().get("/items/a")
    minted = response.headers[CORRELATION_HEADER]
    assert minted and response.json()["correlation_id"] == minted


async def test_control_character_in_path_is_422_naming_the_path() -> None:
    response = await _client().get("/items/a%0Ab")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["path"]
    assert CORRELATION_HEADER in response.headers  # the refusal carries an id too


async def test_control_character_in_query_is_422_naming_the_parameter() -> None:
    response = await _client().get("/items/a", params={"q": "x\x07y"})
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["query", "q"]


async def test_plain_request_passes_both_guards_untouched() -> None:
    response = await _client().get("/items/RELIANCE", params={"q": "reli ance"})
    assert response.status_code == 200
    assert response.json()["q"] == "reli ance"


async def _post_json(text: str) -> httpx.Response:
    return await _client().post(
        "/items", content=text, headers={"Content-Type": "application/json"}
    )


async def test_json_strings_postgresql_cannot_store_are_422_naming_each_field() -> None:
    response = await _post_json('{"name": "\\ud800", "tags": ["ok", "a\\u0000"], "n": 1}')
    assert response.status_code == 422
    found = {tuple(p["loc"]): p["msg"] for p in response.json()["detail"]}
    assert set(found) == {("body", "name"), ("body", "tags", 1)}
    assert "surrogate" in found[("body", "name")] and "NUL" in found[("body", "tags", 1)]


async def test_json_with_a_valid_surrogate_pair_or_a_newline_reaches_the_route() -> None:
    response = await _post_json('{"note": "\\ud83d\\ude00", "text": "two\\nlines"}')
    assert response.status_code == 200
    assert response.json() == {"note": "\U0001f600", "text": "two\nlines"}


async def test_postgresql_refusing_a_nul_the_guard_did_not_see_is_a_422() -> None:
    app = FastAPI()
    for error in UNSTORABLE_TEXT_ERRORS:
        app.add_exception_handler(error, unstorable_text)

    @app.post("/upload")
    async def upload() -> None:  # e.g. a CSV body with a NUL, stored as text
        raise CharacterNotInRepertoireError('invalid byte sequence for encoding "UTF8": 0x00')

    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as client:
        response = await client.post("/upload", content=b"a,\x00b")
    assert response.status_code == 422
    assert response.json()["detail"][0]["loc"] == ["body"]
