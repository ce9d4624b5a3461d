"""/ws sessions (issue 13, item 5): the token comes in the first message (the URL form still
works), a socket closes when its token expires unless the client sends a fresh one on it,
and disabling the user closes the user's sockets."""

import dataclasses
import json
from collections.abc import AsyncIterator
from datetime import UTC, datetime, timedelta
from typing import Any

import httpx
import pytest
import websockets
from conftest import ADMIN, create_user, token_for
from gateway.auth.deps import codec_for
from gateway.auth.roles import Role
from gateway.config import GatewaySettings
from websockets.asyncio.client import ClientConnection


def short_token(username: str, role: Role, seconds: int) -> str:
    """An access token of the embedded gateway's dev secret that expires in `seconds`."""
    codec = codec_for(GatewaySettings(dev_mode=True))
    codec = dataclasses.replace(codec, access_ttl=timedelta(seconds=seconds))
    token, _ = codec.issue(username, role, "access")
    return token


@pytest.fixture
def ws_url(gateway_url: str) -> str:
    return gateway_url.replace("http", "ws", 1) + "/ws"


async def ask(socket: ClientConnection, message: dict[str, Any]) -> dict[str, Any]:
    await socket.send(json.dumps(message))
    answer: dict[str, Any] = json.loads(await socket.recv())
    return answer


async def closed_with(socket: ClientConnection) -> tuple[int, list[dict[str, Any]]]:
    """Reads until the server closes; the close code and what came before it."""
    seen = []
    with pytest.raises(websockets.ConnectionClosed) as closed:
        while True:
            seen.append(json.loads(await socket.recv()))
    assert closed.value.rcvd is not None, "the client closed, not the server"
    return closed.value.rcvd.code, seen


@pytest.fixture
async def signed_in(ws_url: str) -> AsyncIterator[Any]:
    sockets: list[ClientConnection] = []

    async def connect(token: str) -> ClientConnection:
        socket = await websockets.connect(ws_url)
        sockets.append(socket)
        welcome = await ask(socket, {"action": "auth", "token": token})
        assert welcome["type"] == "welcome", welcome
        return socket

    yield connect
    for socket in sockets:
        await socket.close()


async def test_the_first_message_authenticates_and_says_until_when(
    ws_url: str, admin_token: str
) -> None:
    async with websockets.connect(ws_url) as socket:
        welcome = await ask(socket, {"action": "auth", "token": admin_token})
        assert welcome["type"] == "welcome" and welcome["user"] == ADMIN[0]
        assert datetime.fromisoformat(welcome["expires_at"]) > datetime.now(UTC)
        assert (await ask(socket, {"action": "ping"}))["type"] == "pong"


async def test_the_token_in_the_url_still_works(ws_url: str, admin_token: str) -> None:
    async with websockets.connect(f"{ws_url}?token={admin_token}") as socket:
        assert json.loads(await socket.recv())["type"] == "welcome"


async def test_an_expired_token_closes_the_socket_and_a_fresh_one_keeps_it(
    signed_in: Any, admin_token: str
) -> None:
    renewed = await signed_in(short_token(ADMIN[0], Role.ADMIN, 3))
    answer = await ask(renewed, {"action": "auth", "token": admin_token})
    assert answer["type"] == "authenticated", answer
    # a socket whose token expires after the renewed one's first token did
    expiring = await signed_in(short_token(ADMIN[0], Role.ADMIN, 6))
    code, seen = await closed_with(expiring)
    assert code == 4401
    assert "expired" in seen[-1]["message"]
    # by now the renewed socket's first token is long expired: it is still open
    assert (await ask(renewed, {"action": "ping"}))["type"] == "pong"


async def test_a_token_of_another_user_does_not_renew(
    signed_in: Any, admin: httpx.AsyncClient, gateway: httpx.AsyncClient
) -> None:
    socket = await signed_in(short_token(ADMIN[0], Role.ADMIN, 600))
    other = await token_for(gateway, *await create_user(admin, "viewer"))
    answer = await ask(socket, {"action": "auth", "token": other})
    assert answer["type"] == "error" and "refused" in answer["message"]
    assert other not in answer["message"]
    assert (await ask(socket, {"action": "ping"}))["type"] == "pong"


async def test_disabling_the_user_closes_their_sockets(
    signed_in: Any, admin: httpx.AsyncClient, gateway: httpx.AsyncClient
) -> None:
    username, password = await create_user(admin, "trader")
    socket = await signed_in(await token_for(gateway, username, password))
    bystander = await signed_in(await token_for(gateway, *await create_user(admin, "viewer")))
    assert (await admin.post(f"/api/v1/users/{username}/disable")).status_code == 200
    code, seen = await closed_with(socket)
    assert code == 4403
    assert "disabled" in seen[-1]["message"]
    assert (await ask(bystander, {"action": "ping"}))["type"] == "pong"


async def test_a_disabled_users_token_cannot_open_a_socket(
    ws_url: str, admin: httpx.AsyncClient, gateway: httpx.AsyncClient
) -> None:
    username, password = await create_user(admin, "viewer")
    token = await token_for(gateway, username, password)
    assert (await admin.post(f"/api/v1/users/{username}/disable")).status_code == 200
    async with websockets.connect(ws_url) as socket:
        await socket.send(json.dumps({"action": "auth", "token": token}))
        code, _ = await closed_with(socket)
    assert code == 4401
