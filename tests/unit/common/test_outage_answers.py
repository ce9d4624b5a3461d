"""A request that meets an outage of PostgreSQL, Redis or Kafka is a 503 with Retry-After,
never a 500, and says nothing of the connection string (issue 13, item 10)."""

import aiokafka.errors
import asyncpg
import httpx
import pytest
import redis.exceptions
from common.service import ServiceRuntime
from common.settings import ServiceSettings
from fastapi import APIRouter

SECRET_DSN = "postgresql://gateway:hunter2@db:5432/platform"
OUTAGES = {
    "redis": redis.exceptions.ConnectionError(f"Error 111 connecting to {SECRET_DSN}"),
    "redis-timeout": redis.exceptions.TimeoutError("Timeout reading from socket"),
    "postgres": asyncpg.exceptions.ConnectionDoesNotExistError(SECRET_DSN),
    "postgres-refused": ConnectionRefusedError(111, f"Connect call failed {SECRET_DSN}"),
    "postgres-starting": asyncpg.exceptions.CannotConnectNowError("the database is starting"),
    "postgres-mid-query": asyncpg.exceptions.InternalClientError(
        "cannot switch to state 12; another operation (2) is in progress"
    ),
    "kafka": aiokafka.errors.KafkaConnectionError("Unable to bootstrap from kafka:9092"),
    "kafka-timeout": aiokafka.errors.KafkaTimeoutError(),
}
router = APIRouter()


@router.get("/meets/{what}")
async def meets(what: str) -> None:
    raise OUTAGES[what]


@pytest.mark.parametrize("what", OUTAGES)
async def test_an_outage_is_503_with_retry_after(what: str) -> None:
    app = ServiceRuntime("svc", ServiceSettings()).create_app([router], internal=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        answer = await http.get(f"/meets/{what}")
    assert answer.status_code == 503
    assert int(answer.headers["Retry-After"]) > 0
    assert "hunter2" not in answer.text and "try again" in answer.json()["detail"]


async def test_a_bug_is_still_a_500() -> None:
    bugs = APIRouter()

    @bugs.get("/bug")
    async def bug() -> None:
        raise ValueError("a bug")

    app = ServiceRuntime("svc", ServiceSettings()).create_app([bugs], internal=False)
    transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
    async with httpx.AsyncClient(transport=transport, base_url="http://svc") as http:
        assert (await http.get("/bug")).status_code == 500
