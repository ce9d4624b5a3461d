"""Browser hardening headers on every answer; docs and metrics closed by settings."""

import httpx
from fastapi import FastAPI
from gateway.browser_security import BrowserSecurity
from gateway.config import GatewaySettings
from pydantic import SecretStr


def _client(base_url: str = "http://gw", **settings: object) -> httpx.AsyncClient:
    app = FastAPI()

    @app.get("/x")
    async def x() -> dict[str, str]:
        return {"ok": "yes"}

    @app.get("/metrics")
    async def metrics() -> dict[str, str]:
        return {"metric": "1"}

    app.add_middleware(BrowserSecurity, settings=GatewaySettings(**settings))
    return httpx.AsyncClient(transport=httpx.ASGITransport(app=app), base_url=base_url)


async def test_answer_over_http_has_csp_without_inline_script_and_no_framing() -> None:
    async with _client() as client:
        response = await client.get("/x")
    csp = response.headers["Content-Security-Policy"]
    assert "script-src 'self'" in csp and "unsafe-inline" not in csp
    assert "frame-ancestors 'none'" in csp
    assert response.headers["X-Frame-Options"] == "DENY"
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
    assert "Strict-Transport-Security" not in response.headers


async def test_answer_over_https_has_hsts() -> None:
    async with _client("https://gw") as client:
        response = await client.get("/x")
    assert response.headers["Strict-Transport-Security"].startswith("max-age=31536000")


async def test_forwarded_proto_https_counts_only_from_trusted_proxy() -> None:
    https = {"X-Forwarded-Proto": "https"}
    async with _client(trusted_proxies=["127.0.0.1"]) as client:
        trusted = await client.get("/x", headers=https)
    async with _client() as client:
        untrusted = await client.get("/x", headers=https)
    assert "Strict-Transport-Security" in trusted.headers
    assert "Strict-Transport-Security" not in untrusted.headers


async def test_api_docs_off_answers_404_for_docs_and_schema() -> None:
    async with _client(api_docs=False) as client:
        for path in ("/docs", "/redoc", "/openapi.json"):
            response = await client.get(path)
            assert response.status_code == 404, path
            assert "GATEWAY_API_DOCS" in response.text
    async with _client() as client:
        assert (await client.get("/openapi.json")).status_code == 200


async def test_metrics_token_required_when_set() -> None:
    async with _client(metrics_token=SecretStr("scrape-me")) as client:
        refused = await client.get("/metrics")
        wrong = await client.get("/metrics", headers={"Authorization": "Bearer nope"})
        allowed = await client.get("/metrics", headers={"Authorization": "Bearer scrape-me"})
    assert refused.status_code == wrong.status_code == 401
    assert "scrape-me" not in refused.text
    assert allowed.status_code == 200
    assert "Content-Security-Policy" in refused.headers
