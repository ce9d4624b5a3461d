"""The running gateway hardens its pages: a CSP the dashboard keeps (no inline script)."""

import re

import httpx


async def test_dashboard_page_has_csp_and_no_inline_script(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/")
    assert response.status_code == 200
    assert "script-src 'self'" in response.headers["Content-Security-Policy"]
    assert response.headers["X-Frame-Options"] == "DENY"
    scripts = re.findall(r"<script\b[^>]*>", response.text)
    assert scripts, "the shell loads its script"
    assert all("src=" in tag for tag in scripts), scripts
    assert not re.search(r"\son[a-z]+\s*=", response.text), "inline event handler"


async def test_api_answer_has_hardening_headers(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/auth/me")
    assert response.status_code == 401
    assert response.headers["X-Content-Type-Options"] == "nosniff"
    assert response.headers["Referrer-Policy"] == "no-referrer"
