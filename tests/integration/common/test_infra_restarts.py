"""Infrastructure restarted under a running platform (issue 13, item 10): a request that
meets the outage is a 503 with Retry-After, never a 500, and the first request after the
restart succeeds (clients reconnect on their own). A stack of its own: killing the session
stack's Redis would drop what other tests keep there."""

import tempfile
from collections.abc import AsyncIterator
from pathlib import Path

import httpx
import pytest
from stack.testing import TestStack

ADMIN = {"username": "admin", "password": "admin"}  # the embedded dev mode's first admin


@pytest.fixture(scope="module")
async def own_stack() -> AsyncIterator[TestStack]:
    # Not under pytest's basetemp: any pytest starting meanwhile makes that folder 0700
    # again, and the restarted PostgreSQL (an unprivileged user) could not reach its data.
    with tempfile.TemporaryDirectory(prefix="infra-restarts-") as folder:
        stack = TestStack(Path(folder))
        try:
            await stack.start_infra()
            await stack.start_services(["gateway"])
            yield stack
        finally:
            stack.stop()


@pytest.fixture
async def gateway(own_stack: TestStack) -> AsyncIterator[httpx.AsyncClient]:
    async with httpx.AsyncClient(base_url=own_stack.url_of("gateway"), timeout=60) as client:
        yield client


async def sign_in(gateway: httpx.AsyncClient) -> httpx.Response:
    return await gateway.post("/api/v1/auth/login", json=ADMIN)


async def test_redis_killed_a_sign_in_is_503_and_after_its_restart_the_next_one_works(
    own_stack: TestStack, gateway: httpx.AsyncClient
) -> None:
    assert (await sign_in(gateway)).status_code == 200
    supervisor = own_stack.platform.supervisor
    spec = supervisor.children["redis"].spec
    own_stack.kill("redis")

    during = await sign_in(gateway)
    assert during.status_code == 503, during.text
    assert int(during.headers["Retry-After"]) > 0
    assert "redis://" not in during.text

    supervisor.start(spec)
    await supervisor.wait_ready("redis", own_stack.settings.ready_timeout_s)
    after = await sign_in(gateway)  # the pool's connections all died with the old server
    assert after.status_code == 200, after.text


async def test_postgres_killed_a_sign_in_is_503_and_after_its_restart_the_next_one_works(
    own_stack: TestStack, gateway: httpx.AsyncClient
) -> None:
    assert (await sign_in(gateway)).status_code == 200
    supervisor = own_stack.platform.supervisor
    spec = supervisor.children["postgres"].spec
    own_stack.kill("postgres")

    during = await sign_in(gateway)
    assert during.status_code == 503, during.text
    assert int(during.headers["Retry-After"]) > 0
    assert "postgresql://" not in during.text

    supervisor.start(spec)
    await supervisor.wait_ready("postgres", own_stack.settings.ready_timeout_s)
    after = await sign_in(gateway)
    assert after.status_code == 200, after.text


async def test_kafka_killed_a_publish_is_503_naming_the_outage(
    own_stack: TestStack, gateway: httpx.AsyncClient
) -> None:
    token = (await sign_in(gateway)).json()["access_token"]
    own_stack.kill("kafka")  # last: the embedded broker keeps its topics in memory only
    answer = await gateway.post(
        "/api/v1/admin/kill-switch",
        json={"engaged": True, "reason": "outage test"},
        headers={"Authorization": f"Bearer {token}"},
    )
    assert answer.status_code == 503, answer.text
    assert int(answer.headers["Retry-After"]) > 0
    assert "a platform dependency is unavailable" in answer.json()["detail"]
