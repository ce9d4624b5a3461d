"""The gateway serves the contract at /asyncapi: the committed document as JSON, and a
readable page for a browser (no script, no CDN, under the gateway's own CSP)."""

import importlib
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
import yaml
from common.asyncapi.schemas import every_message, type_of
from common.topics import ALL_TOPICS

DOCUMENT = Path(__file__).parents[2] / "docs" / "asyncapi.yaml"
BROWSER = {"Accept": "text/html,application/xhtml+xml,application/xml;q=0.9,*/*;q=0.8"}


@pytest.fixture
async def gateway() -> AsyncIterator[httpx.AsyncClient]:
    # The routes need no database: the real app, its middleware and routes, no lifespan.
    app = importlib.import_module("gateway.app").app
    transport = httpx.ASGITransport(app=app)
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        yield client


async def test_asyncapi_answers_the_committed_document_as_json(
    gateway: httpx.AsyncClient,
) -> None:
    committed = yaml.safe_load(DOCUMENT.read_text())

    plain = await gateway.get("/asyncapi")
    explicit = await gateway.get("/asyncapi.json", headers=BROWSER)

    assert plain.status_code == 200 and plain.headers["content-type"] == "application/json"
    assert plain.json() == committed
    assert explicit.json() == committed


async def test_asyncapi_in_a_browser_is_a_page_of_every_topic_and_message(
    gateway: httpx.AsyncClient,
) -> None:
    page = await gateway.get("/asyncapi", headers=BROWSER)
    style = await gateway.get("/asyncapi.css")

    assert page.status_code == 200 and page.headers["content-type"].startswith("text/html")
    assert (
        "<script" not in page.text
        and "unsafe-inline" not in page.headers["content-security-policy"]
    )
    assert '<link rel="stylesheet" href="/asyncapi.css">' in page.text
    assert style.headers["content-type"].startswith("text/css")
    for topic in ALL_TOPICS:
        assert f'id="topic-{topic.name}"' in page.text
    for _, model in every_message():
        assert f'id="message-{model.__name__}"' in page.text
        assert f"<code>{type_of(model)}</code>" in page.text
    # a fill's price reads as what it is on the wire
    fill = page.text.split('id="message-OrderFilled"')[1].split("<h3")[0]
    assert "<td><code>price</code></td><td>decimal string</td><td>yes</td>" in fill
