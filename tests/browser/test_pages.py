"""The page URLs all answer the one shell; static names cannot leave the dashboard folder."""

import pytest
from fastapi import FastAPI
from fastapi.testclient import TestClient
from gateway import pages


@pytest.fixture(scope="module")
def client() -> TestClient:
    app = FastAPI()
    app.include_router(pages.router)
    return TestClient(app)


@pytest.mark.parametrize(
    "path",
    ["/", "/clients/EMUM7551", "/exit/2885", "/orders?status=FILLED", "/positions", "/admin"],
)
def test_every_page_url_answers_the_shell(client: TestClient, path: str) -> None:
    answer = client.get(path)
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/html")
    assert '<script type="module" src="/static/app.js">' in answer.text


def test_static_files_of_the_dashboard_only(client: TestClient) -> None:
    answer = client.get("/static/app.js")
    assert answer.status_code == 200
    assert answer.headers["content-type"].startswith("text/javascript")
    assert client.get("/static/style.css").headers["content-type"].startswith("text/css")
    for name in ("..%2Fpages.py", "pages.py", "nothere.js", "index.html"):
        assert client.get(f"/static/{name}").status_code == 404, name


def test_unknown_pages_are_404(client: TestClient) -> None:
    assert client.get("/exit/abc/def").status_code == 404
