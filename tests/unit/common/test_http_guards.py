"""The HTTP guards every service runs: correlation ids in and out, control characters out."""

import httpx
from common.http import CORRELATION_HEADER, ControlCharacterGuard, CorrelationIds
from common.logs import correlation_id
from fastapi import FastAPI


def _app() -> FastAPI:
    app = FastAPI()
    app.add_middleware(ControlCharacterGuard)
    app.add_middleware(CorrelationIds)

    @app.get("/items/{item}")
    async def item(item: str, q: str = "") -> dict[str, str | None]:
        return {"item": item, "q": q, "correlation_id": correlation_id()}

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
