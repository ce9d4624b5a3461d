"""accounts.clients.v1 is signed by the gateway: a ClientUpserted produced straight to Kafka,
even one whose credentials are sealed correctly with the adapter's public key, is refused by
the broker-adapter (logged, counted, not applied); the gateway's own messages are applied."""

import asyncio
import base64
import re
import time
from typing import Any

import asyncpg
import httpx
from aiokafka import AIOKafkaProducer
from common.contracts.accounts import ClientUpserted
from common.contracts.credentials import BrokerCredentials
from common.contracts.envelope import utc_now
from common.ids import new_id
from gateway.credentials import public_key_from, seal
from nacl.signing import SigningKey
from stack.testing import TestStack
from test_accounts_clients import new_client, upserts_for
from test_accounts_sessions import adapter_running

REFUSED = re.compile(r'^broker_adapter_registry_refused_total\{reason="(\w+)"\} (\S+)$', re.M)


async def refused(stack: TestStack) -> dict[str, float]:
    async with httpx.AsyncClient(base_url=stack.url_of("broker-adapter")) as http:
        text = (await http.get("/metrics")).text
    return {reason: float(value) for reason, value in REFUSED.findall(text)}


async def adapter_account(stack: TestStack, client_id: str) -> dict[str, Any] | None:
    conn = await asyncpg.connect(stack.postgres_dsn)
    try:
        row = await conn.fetchrow(
            "SELECT * FROM broker_adapter.accounts WHERE client_id = $1", client_id
        )
    finally:
        await conn.close()
    return dict(row) if row else None


async def until(check: Any, what: str, within_s: float = 120) -> None:
    deadline = time.monotonic() + within_s
    while time.monotonic() < deadline:
        if await check():
            return
        await asyncio.sleep(0.2)
    raise AssertionError(f"never happened: {what}")


async def produce(stack: TestStack, messages: list[ClientUpserted]) -> None:
    producer = AIOKafkaProducer(bootstrap_servers=stack.kafka_bootstrap, acks="all")
    await producer.start()
    try:
        for m in messages:
            await producer.send_and_wait(
                "accounts.clients.v1", m.model_dump_json().encode(), key=m.client_id.encode(),
                headers=[("event_type", m.type.encode())],
            )  # fmt: skip
    finally:
        await producer.stop()


def attacker_box(stack: TestStack) -> str:
    """Credentials of the attacker's own, sealed exactly as the gateway seals them."""
    public = public_key_from(stack.service_env("gateway")["GATEWAY_CREDENTIALS_PUBLIC_KEY"])
    mine = BrokerCredentials(api_key="attacker-key", password="attacker-pw", dob="01/01/1990")
    return seal(mine, public)


async def test_forged_client_upserted_is_refused_and_the_gateways_is_applied(
    admin: httpx.AsyncClient, stack: TestStack
) -> None:
    await adapter_running(stack)
    body = new_client()
    client_id = (await admin.post("/api/v1/clients", json=body)).json()["client_id"]
    [raw] = await upserts_for(stack, client_id)
    genuine = ClientUpserted.model_validate({k: v for k, v in raw.items() if k != "raw"})
    assert genuine.signature, "the gateway signs what it publishes"

    async def applied() -> bool:
        return await adapter_account(stack, client_id) is not None

    await until(applied, f"the adapter applies the gateway's registration of {client_id}")
    before = await refused(stack)

    later = {
        "event_id": new_id(), "occurred_at": utc_now(), "name": "Forged",
        "motilal_client_id": "ATTACKER1", "sealed_credentials": attacker_box(stack),
    }  # fmt: skip
    unsigned = genuine.model_copy(update={**later, "signature": None})
    # the gateway's own signature moved onto other content
    replayed = genuine.model_copy(update=later)
    # signed, but by a key that is not the gateway's
    stranger = SigningKey.generate()
    intruder_id = f"INTRUDER{new_id()[:6].upper()}"
    intruder = genuine.model_copy(update={**later, "client_id": intruder_id})
    intruder = intruder.model_copy(update={"signature": base64.b64encode(
        stranger.sign(intruder.signed_bytes()).signature).decode()})  # fmt: skip
    await produce(stack, [unsigned, replayed, intruder])

    # a genuine change made after the forgeries reaches the adapter after them (same key)
    changed = await admin.put(f"/api/v1/clients/{client_id}", json={"name": "Genuine Change"})
    assert changed.status_code == 200, changed.text

    async def genuine_change_applied() -> bool:
        account = await adapter_account(stack, client_id)
        return account is not None and account["name"] == "Genuine Change"

    await until(genuine_change_applied, "the adapter applies the gateway's change")

    async def all_counted() -> bool:
        now = await refused(stack)
        return sum(now.values()) - sum(before.values()) >= 3

    await until(all_counted, "three refusals counted")
    now = await refused(stack)
    assert now.get("unsigned", 0) - before.get("unsigned", 0) == 1
    assert now.get("bad_signature", 0) - before.get("bad_signature", 0) == 2

    account = await adapter_account(stack, client_id)
    assert account is not None
    assert account["motilal_client_id"] == body["motilal_client_id"]
    assert account["sealed_credentials"] == genuine.sealed_credentials
    assert await adapter_account(stack, intruder_id) is None
    log = stack.log_of("broker-adapter")
    assert f"for client {intruder_id}" in log and "not applied" in log
    assert "attacker-pw" not in log
