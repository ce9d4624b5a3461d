"""Broker sessions through the real services: the adapter logs registered clients in to the
simulator and the gateway shows each client's session state and last error."""

import time
from typing import Any

import httpx
from common.ids import new_id
from stack.testing import TestStack
from test_accounts_clients import new_client


async def session_of(
    admin: httpx.AsyncClient, client_id: str, until: set[str], within_s: float = 90
) -> dict[str, Any]:
    """Poll GET /api/v1/clients/{id} until its session state is one of `until`."""
    deadline = time.monotonic() + within_s
    seen: Any = None
    while time.monotonic() < deadline:
        response = await admin.get(f"/api/v1/clients/{client_id}")
        assert response.status_code == 200, response.text
        seen = response.json()["session"]
        if seen and seen["state"] in until:
            return dict(seen)
        await _pause()
    raise AssertionError(f"session of {client_id} never reached {until}; last seen {seen}")


async def _pause() -> None:
    import asyncio

    await asyncio.sleep(0.5)


async def adapter_running(stack: TestStack) -> None:
    await stack.start_simulator()
    await stack.start_services(["broker-adapter", "gateway"])


async def test_demo_client_logs_in_with_totp_and_shows_active(
    admin: httpx.AsyncClient, stack: TestStack
) -> None:
    await adapter_running(stack)
    session = await session_of(admin, "EMUM7551", {"ACTIVE"})
    assert session["reason"] is None
    assert session["expires_at"]


async def test_client_from_unlisted_ip_shows_failed_with_reason(
    admin: httpx.AsyncClient, stack: TestStack
) -> None:
    await adapter_running(stack)
    session = await session_of(admin, "EKOL5024", {"FAILED"})
    assert session["error_code"] == "MO2035"
    assert "IP address not whitelisted" in session["reason"]
    # an admin's retry logs in again and reports the same verdict, not a 5xx
    retry = await admin.post("/api/v1/clients/EKOL5024/login")
    assert retry.status_code == 200, retry.text
    assert retry.json()["state"] == "FAILED"


async def test_client_with_wrong_credentials_shows_failed_with_reason(
    admin: httpx.AsyncClient, stack: TestStack
) -> None:
    await adapter_running(stack)
    body = new_client()  # a client code the broker does not know: wrong user id or password
    client_id = (await admin.post("/api/v1/clients", json=body)).json()["client_id"]
    session = await session_of(admin, client_id, {"FAILED"})
    assert session["error_code"] == "MO1001"
    assert session["reason"].startswith("wrong user id or password")
    for secret in (body["password"], body["api_key"], body["totp_secret"]):
        assert secret not in stack.log_of("broker-adapter")
        assert secret not in stack.log_of("gateway")


async def test_tokens_and_secrets_never_reach_adapter_log(
    admin: httpx.AsyncClient, stack: TestStack
) -> None:
    import base64
    import json
    from pathlib import Path

    import redis.asyncio as redis
    from broker_adapter.sessions.shared_token import SEALED_PREFIX, token_box
    from nacl.public import PrivateKey

    await adapter_running(stack)
    await session_of(admin, "EPUN4409", {"ACTIVE"})
    client = redis.from_url(stack.redis_url, decode_responses=True)
    try:
        raw = await client.get("broker-adapter:session:EPUN4409")
        ttl = await client.ttl("broker-adapter:session:EPUN4409")
    finally:
        await client.aclose()
    assert 0 < ttl <= 24 * 3600  # dies with the token at the next 06:00 IST
    # Redis holds the token encrypted with the adapter's key, never in clear
    key = stack.service_env("broker-adapter")["BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY"]
    box = token_box(PrivateKey(base64.b64decode(key)))
    stored = json.loads(box.decrypt(base64.b64decode(raw.removeprefix(SEALED_PREFIX))))
    assert stored["token"] not in raw
    log = stack.log_of("broker-adapter")
    assert stored["token"] not in log
    accounts = json.loads(Path("data/sim-accounts.json").read_text())  # noqa: ASYNC240
    for account in accounts:
        for secret in (account["password"], account["totp_secret"], account["api_key"]):
            assert secret not in log
            assert secret not in stack.log_of("gateway")


async def test_unknown_client_login_is_404(admin: httpx.AsyncClient, stack: TestStack) -> None:
    await adapter_running(stack)
    response = await admin.post(f"/api/v1/clients/NOPE{new_id()[:6]}/login")
    assert response.status_code == 404
