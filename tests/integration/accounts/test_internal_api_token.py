"""The internal services answer only a caller with the deployment's INTERNAL_API_TOKEN
(issue 13, item 2): real processes of the embedded stack, which gives each run its own."""

import httpx
import pytest
from common.internal_auth import INTERNAL_TOKEN_HEADER
from conftest import bearer
from stack.testing import TestStack

# a harmless read on each internal service
READS = {
    "broker-adapter": "/internal/sessions/EPUN4409",
    "order-router": "/internal/kill-switch",
    "portfolio": "/internal/positions?client_id=EPUN4409",
    "market-data": "/internal/instruments/2885",
}


@pytest.fixture(scope="module")
async def urls(stack: TestStack) -> dict[str, str]:
    await stack.start_simulator()
    return await stack.start_services([*READS, "gateway"])


@pytest.mark.parametrize("service", READS)
async def test_internal_route_needs_the_token(
    service: str, urls: dict[str, str], stack: TestStack
) -> None:
    async with httpx.AsyncClient(base_url=urls[service], timeout=30) as http:
        missing = await http.get(READS[service])
        wrong = await http.get(READS[service], headers={INTERNAL_TOKEN_HEADER: "x" * 43})
        right = await http.get(READS[service], headers=stack.internal_headers())
        health = await http.get("/health")
    assert missing.status_code == 401, missing.text
    assert wrong.status_code == 403, wrong.text
    assert right.status_code in (200, 404), right.text  # answered, not refused
    assert right.status_code == 200 or "header" not in right.text
    assert health.status_code == 200


async def test_a_broker_login_without_the_token_is_refused_and_does_nothing(
    urls: dict[str, str], stack: TestStack
) -> None:
    adapter = urls["broker-adapter"]
    async with httpx.AsyncClient(base_url=adapter, timeout=30) as http:
        for action, body in (("login", None), ("otp", {"otp": "123456"})):
            refused = await http.post(f"/internal/sessions/EPUN4409/{action}", json=body)
            assert refused.status_code == 401, refused.text


async def test_the_gateway_calls_its_peers_with_the_token(
    urls: dict[str, str], admin_token: str
) -> None:
    # the gateway's instruments come from market-data, its kill switches from the router
    async with httpx.AsyncClient(
        base_url=urls["gateway"], timeout=30, headers=bearer(admin_token)
    ) as gateway:
        tokens = await gateway.get("/api/v1/tokens/2885")
        switches = await gateway.get("/api/v1/admin/kill-switch")
    assert tokens.status_code == 200, tokens.text
    assert switches.status_code == 200, switches.text
