"""Fixtures for the accounts tests: a running gateway, an admin token, users of each role."""

from collections.abc import AsyncIterator

import httpx
import pytest
from common.ids import new_id
from stack.testing import TestStack

ADMIN = ("admin", "admin")  # the embedded dev mode's first admin


async def token_for(client: httpx.AsyncClient, username: str, password: str) -> str:
    response = await client.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert response.status_code == 200, response.text
    token: str = response.json()["access_token"]
    return token


def bearer(token: str) -> dict[str, str]:
    return {"Authorization": f"Bearer {token}"}


@pytest.fixture(scope="session")
async def gateway_url(stack: TestStack) -> str:
    urls = await stack.start_services(["gateway"])
    return urls["gateway"]


@pytest.fixture
async def gateway(gateway_url: str) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        yield client


@pytest.fixture(scope="session")
async def admin_token(gateway_url: str) -> str:
    async with httpx.AsyncClient(base_url=gateway_url, timeout=30) as client:
        return await token_for(client, *ADMIN)


@pytest.fixture
async def admin(gateway_url: str, admin_token: str) -> AsyncIterator[httpx.AsyncClient]:
    """An HTTP client that acts as the admin."""
    async with httpx.AsyncClient(
        base_url=gateway_url, timeout=30, headers=bearer(admin_token)
    ) as client:
        yield client


async def create_user(admin: httpx.AsyncClient, role: str) -> tuple[str, str]:
    username, password = f"{role}-{new_id()[:10]}", f"pw-{new_id()}"
    response = await admin.post(
        "/api/v1/users", json={"username": username, "password": password, "role": role}
    )
    assert response.status_code == 201, response.text
    return username, password
