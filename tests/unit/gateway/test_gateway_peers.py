"""A peer's failure is a 503 naming the peer, and the gateway's log says why."""

import logging

import httpx
import pytest
from fastapi import FastAPI
from gateway.peers import Peer, PeerUnavailable, peer_unavailable


def _app(peer: Peer) -> FastAPI:
    app = FastAPI()
    app.add_exception_handler(PeerUnavailable, peer_unavailable)

    @app.get("/order")
    async def order() -> object:
        return await peer.get("/internal/orders/x")

    return app


async def _ask(peer: Peer) -> httpx.Response:
    transport = httpx.ASGITransport(app=_app(peer))
    async with httpx.AsyncClient(transport=transport, base_url="http://gw") as client:
        return await client.get("/order")


def _peer_answering(status: int) -> Peer:
    transport = httpx.MockTransport(lambda request: httpx.Response(status, json={}))
    return Peer("the order-router", httpx.AsyncClient(transport=transport, base_url="http://r"))


async def test_peer_error_is_a_503_naming_the_peer_and_logged(
    caplog: pytest.LogCaptureFixture,
) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway.peers"):
        answer = await _ask(_peer_answering(500))

    assert answer.status_code == 503
    assert answer.json()["detail"].startswith("the order-router is unavailable (HTTP 500)")
    assert "GET /order: the order-router is unavailable (HTTP 500)" in caplog.text


async def test_peer_404_is_an_answer_not_an_outage(caplog: pytest.LogCaptureFixture) -> None:
    with caplog.at_level(logging.WARNING, logger="gateway.peers"):
        answer = await _ask(_peer_answering(404))

    assert answer.status_code == 200 and answer.json() is None
    assert caplog.text == ""
