"""A request that fails right after its publish, retried with its Idempotency-Key, places
each client's order exactly once (issue 13, item 1).

The gateway under test runs in this process (its fault hook is an attribute of the app,
not a setting), on the session stack, beside the order path's real services.
"""

import importlib
import sys
from collections.abc import AsyncIterator
from datetime import UTC, datetime
from typing import Any

import httpx
import pytest
from aiokafka import AIOKafkaConsumer, TopicPartition
from common.ids import new_id
from common.topics import ORDER_COMMANDS, ORDER_REQUESTS
from fastapi import FastAPI
from orders_testkit import Trading, batch_when, complete, sim_counters, wait_for

TATASTEEL = 3499


class InjectedFault(RuntimeError):
    pass


@pytest.fixture
async def inprocess(
    trading: Trading, monkeypatch: pytest.MonkeyPatch
) -> AsyncIterator[tuple[FastAPI, httpx.AsyncClient]]:
    """The gateway app in this process, configured as the stack's gateway process is."""
    for name, value in trading.stack.service_env("gateway").items():
        monkeypatch.setenv(name, value)
    module = sys.modules.get("gateway.app")
    module = importlib.reload(module) if module else importlib.import_module("gateway.app")
    app: FastAPI = module.app
    async with module.runtime.lifespan(app):
        transport = httpx.ASGITransport(app=app, raise_app_exceptions=False)
        async with httpx.AsyncClient(
            transport=transport, base_url="http://gateway", headers=trading.headers(), timeout=30
        ) as client:
            yield app, client


async def caught_up(bootstrap: str, group: str, topic: str) -> None:
    """Wait until `group` has committed past everything on `topic` now."""
    consumer = AIOKafkaConsumer(bootstrap_servers=bootstrap, group_id=group)
    await consumer.start()  # not subscribed: it reads the group's offsets, never joins it
    try:
        await consumer.topics()  # loads the cluster's metadata
        partitions = [TopicPartition(topic, p) for p in consumer.partitions_for_topic(topic) or ()]
        assert partitions, f"{topic} has no partitions"
        ends = await consumer.end_offsets(partitions)

        async def probe() -> bool:
            for tp, end in ends.items():
                if end and (await consumer.committed(tp) or 0) < end:
                    return False
            return True

        await wait_for(probe, 90, f"{group} to consume {topic} up to {ends}")
    finally:
        await consumer.stop()


def placed(counters: dict[str, Any], client: str) -> int:
    return sum(
        int(counters.get(k, {}).get(client, 0)) for k in ("orders_placed", "orders_rejected")
    )


async def test_execute_all_failing_after_publish_retried_places_one_order_per_client(
    trading: Trading,
    inprocess: tuple[FastAPI, httpx.AsyncClient],
    sim: httpx.AsyncClient,
) -> None:
    app, gateway = inprocess
    trading.require(3)
    clients = trading.clients[-3:]  # the last accounts: no other test trades them
    body = {
        "token_id": TATASTEEL,
        "execution_type": "BUY",
        "order_type": "MARKET",
        "trade_type": "INTRADAY",
        "client_orders": [{"client_id": c, "quantity": 2} for c in clients],
    }
    key = new_id()
    started = datetime.now(UTC).isoformat()
    before = await sim_counters(sim)
    publishes = 0

    async def fail_first_after_publish() -> None:
        nonlocal publishes
        publishes += 1
        if publishes == 1:
            raise InjectedFault("the gateway fails right after its publish")

    app.state.fault_after_publish = fail_first_after_publish
    post = {"json": body, "headers": {"Idempotency-Key": key}}
    first = await gateway.post("/api/v1/orders/execute-all", **post)
    assert first.status_code == 500
    assert publishes == 1  # the batch left the gateway, then the gateway failed

    # The first try's batch is placed for every client before the retry arrives.
    pool = app.state.runtime.pool
    stored = await pool.fetchval(
        "SELECT response->>'batch_id' FROM idempotency_keys WHERE key = $1", key
    )
    await batch_when(gateway, stored, complete)

    retry = await gateway.post("/api/v1/orders/execute-all", **post)
    assert retry.status_code == 202, retry.text
    assert retry.headers.get("Idempotent-Replayed") == "true"
    assert publishes == 2  # republished: the same message, the same ids
    again = await gateway.post("/api/v1/orders/execute-all", **post)
    assert again.status_code == 202
    assert again.json() == retry.json()
    assert publishes == 2  # completed: the stored answer, nothing published

    batch_id = retry.json()["batch_id"]
    assert batch_id == stored
    ids = {o["client_id"]: o["order_id"] for o in retry.json()["orders"]}
    assert set(ids) == set(clients)

    # Every delivery of the request and every command it caused has been consumed.
    bootstrap = trading.stack.kafka_bootstrap
    await caught_up(bootstrap, "order-router", ORDER_REQUESTS.name)
    await caught_up(bootstrap, "broker-adapter", ORDER_COMMANDS.name)
    for client, order_id in ids.items():
        params = {"client_id": client, "token_id": TATASTEEL, "since": started}
        listed = await gateway.get("/api/v1/orders", params=params)
        assert [o["order_id"] for o in listed.json()["orders"]] == [order_id]
    after = await sim_counters(sim)
    assert {c: placed(after, c) - placed(before, c) for c in clients} == dict.fromkeys(clients, 1)
