"""Client registry: CRUD through the gateway, validation naming the field, sealed credentials
that only the broker-adapter's key opens, and secrets absent from responses, logs, Kafka."""

import asyncio
import base64
import json
import time
from typing import Any

import asyncpg
import httpx
import pytest
from aiokafka import AIOKafkaConsumer
from common.ids import new_id
from conftest import bearer, create_user, token_for
from nacl.public import PrivateKey, SealedBox
from stack.testing import TestStack


def new_client(**overrides: Any) -> dict[str, Any]:
    """A registration body with secrets unique to this test (so they can be searched for)."""
    code = "T" + new_id()[:9].upper()
    body: dict[str, Any] = {
        "name": "Test Client",
        "motilal_client_id": code,
        "api_key": f"key{new_id()[:12]}",
        "password": f"Pw!{new_id()[:14]}",
        "dob": "14/03/1986",
        "totp_secret": base64.b32encode(bytes.fromhex(new_id()[:32] + new_id()[:8])).decode(),
        "exchanges": ["NSE", "BSE"],
        "trade_types": ["INTRADAY", "DELIVERY"],
        "limits": {"max_order_quantity": 500, "max_order_value": "250000.50"},
        "groups": ["hni", "test"],
    }
    body.update(overrides)
    return body


def secrets_of(body: dict[str, Any]) -> list[str]:
    return [body[k] for k in ("api_key", "password", "totp_secret") if body.get(k)]


async def upserts_for(stack: TestStack, client_id: str, count: int = 1) -> list[dict[str, Any]]:
    """The raw ClientUpserted messages for a client on accounts.clients.v1."""
    consumer = AIOKafkaConsumer(
        "accounts.clients.v1",
        bootstrap_servers=stack.kafka_bootstrap,
        auto_offset_reset="earliest",
        enable_auto_commit=False,
    )
    await consumer.start()
    found: list[dict[str, Any]] = []
    try:
        deadline = time.monotonic() + 30
        while time.monotonic() < deadline and len(found) < count:
            batches = await consumer.getmany(timeout_ms=500)
            for records in batches.values():
                for record in records:
                    if record.key == client_id.encode():
                        found.append({"raw": record.value, **json.loads(record.value)})
    finally:
        await consumer.stop()
    return found


async def test_client_create_returns_presence_flags_not_secrets(admin: httpx.AsyncClient) -> None:
    body = new_client()
    response = await admin.post("/api/v1/clients", json=body)
    assert response.status_code == 201, response.text
    client = response.json()
    assert client["client_id"] == body["motilal_client_id"]
    assert client["limits"] == {
        "max_order_quantity": 500, "max_order_value": "250000.50", "max_open_positions": None
    }  # fmt: skip
    assert client["groups"] == ["hni", "test"]
    flags = client["credentials"]
    assert (flags["api_key"], flags["password"], flags["dob"], flags["totp_secret"]) == (
        True, True, True, True
    )  # fmt: skip
    assert flags["pan"] is False
    for secret in [*secrets_of(body), body["dob"]]:
        assert secret not in response.text
        listing = await admin.get("/api/v1/clients")
        assert secret not in listing.text
        detail = await admin.get(f"/api/v1/clients/{client['client_id']}")
        assert secret not in detail.text


@pytest.mark.parametrize(
    ("overrides", "field", "words"),
    [
        ({"dob": "1986-03-14"}, "dob", "dd/mm/yyyy"),
        ({"dob": None, "pan": "ABC123"}, "pan", "ABCDE1234F"),
        ({"totp_secret": "not base32 at all!"}, "totp_secret", "base32"),
        ({"totp_secret": "JBSWY3DPEHPK3PXP"}, "totp_secret", "too short"),
        ({"exchanges": ["NSE", "NYSE"]}, "exchanges", "NSE"),
        ({"trade_types": ["SWING"]}, "trade_types", "INTRADAY"),
        ({"password": None}, "password", "required"),
        ({"dob": None}, "dob", "pan"),
        ({"limits": {"max_order_quantity": 0}}, "limits", "greater than 0"),
        ({"motilal_client_id": "bad id!"}, "motilal_client_id", "letters or digits"),
    ],
)
async def test_client_create_with_bad_field_is_422_naming_it(
    admin: httpx.AsyncClient, overrides: dict[str, Any], field: str, words: str
) -> None:
    body = {k: v for k, v in new_client(**overrides).items() if v is not None}
    response = await admin.post("/api/v1/clients", json=body)
    assert response.status_code == 422, response.text
    errors = response.json()["detail"]
    named = [e for e in errors if field in [str(p) for p in e["loc"]]]
    assert named, errors
    assert any(words in e["msg"] for e in named), named
    for secret in secrets_of(body):
        assert secret not in response.text


async def test_client_update_changes_fields_and_replaces_credentials_whole(
    admin: httpx.AsyncClient,
) -> None:
    body = new_client()
    client_id = (await admin.post("/api/v1/clients", json=body)).json()["client_id"]
    response = await admin.put(
        f"/api/v1/clients/{client_id}",
        json={"name": "Renamed", "limits": {"max_open_positions": 3}, "groups": ["vip"]},
    )
    assert response.status_code == 200, response.text
    updated = response.json()
    assert (updated["name"], updated["groups"]) == ("Renamed", ["vip"])
    assert updated["limits"]["max_open_positions"] == 3
    assert updated["credentials"]["totp_secret"] is True  # untouched

    partial = await admin.put(f"/api/v1/clients/{client_id}", json={"password": "only-this-one"})
    assert partial.status_code == 422
    assert {e["loc"][-1] for e in partial.json()["detail"]} == {"api_key", "dob"}

    replaced = await admin.put(
        f"/api/v1/clients/{client_id}",
        json={"api_key": "k2", "password": "p2-secret", "pan": "abcde1234f"},
    )
    assert replaced.status_code == 200
    flags = replaced.json()["credentials"]
    assert (flags["pan"], flags["dob"], flags["totp_secret"]) == (True, False, False)

    moved = await admin.put(f"/api/v1/clients/{client_id}", json={"motilal_client_id": "OTHER1"})
    assert moved.status_code == 422
    assert moved.json()["detail"][0]["loc"][-1] == "motilal_client_id"


async def test_client_disable_and_enable(admin: httpx.AsyncClient) -> None:
    client_id = (await admin.post("/api/v1/clients", json=new_client())).json()["client_id"]
    disabled = await admin.post(f"/api/v1/clients/{client_id}/disable")
    assert disabled.json()["active"] is False
    listed = await admin.get("/api/v1/clients", params={"active": "false"})
    assert client_id in [c["client_id"] for c in listed.json()]
    enabled = await admin.post(f"/api/v1/clients/{client_id}/enable")
    assert enabled.json()["active"] is True


async def test_client_with_registered_motilal_code_is_409(admin: httpx.AsyncClient) -> None:
    body = new_client()
    assert (await admin.post("/api/v1/clients", json=body)).status_code == 201
    again = await admin.post("/api/v1/clients", json={**body, "client_id": "another-id"})
    assert again.status_code == 409
    assert body["motilal_client_id"] in again.json()["detail"]


async def test_unknown_client_is_404(admin: httpx.AsyncClient) -> None:
    assert (await admin.get("/api/v1/clients/NOPE-NOT-HERE")).status_code == 404
    assert (await admin.put("/api/v1/clients/NOPE-NOT-HERE", json={"name": "x"})).status_code == 404


async def test_viewer_reads_clients_but_cannot_change_them(
    gateway: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    username, password = await create_user(admin, "viewer")
    headers = bearer(await token_for(gateway, username, password))
    assert (await gateway.get("/api/v1/clients", headers=headers)).status_code == 200
    response = await gateway.post("/api/v1/clients", json=new_client(), headers=headers)
    assert response.status_code == 403
    trader, trader_password = await create_user(admin, "trader")
    headers = bearer(await token_for(gateway, trader, trader_password))
    assert (
        await gateway.post("/api/v1/clients", json=new_client(), headers=headers)
    ).status_code == 403


async def test_sealed_credentials_open_only_with_adapter_key(
    admin: httpx.AsyncClient, stack: TestStack
) -> None:
    body = new_client(pan="ABCDE1234F")
    client_id = (await admin.post("/api/v1/clients", json=body)).json()["client_id"]
    [message] = await upserts_for(stack, client_id)
    for secret in secrets_of(body):
        assert secret.encode() not in message["raw"]
    assert message["type"] == "client.upserted"
    assert message["exchanges"] == ["NSE", "BSE"]
    sealed = base64.b64decode(message["sealed_credentials"])

    private = stack.service_env("broker-adapter")["BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY"]
    opened = json.loads(SealedBox(PrivateKey(base64.b64decode(private))).decrypt(sealed))
    assert opened["password"] == body["password"]
    assert opened["api_key"] == body["api_key"]
    assert opened["dob"] == body["dob"]
    assert opened["pan"] == "ABCDE1234F"
    assert opened["totp_secret"] == body["totp_secret"]

    with pytest.raises(Exception):  # noqa: B017  (any other key fails to open it)
        SealedBox(PrivateKey.generate()).decrypt(sealed)
    assert "BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY" not in stack.service_env("gateway")


async def test_credentials_are_not_in_database_in_clear_or_in_logs(
    admin: httpx.AsyncClient, stack: TestStack
) -> None:
    body = new_client()
    client_id = (await admin.post("/api/v1/clients", json=body)).json()["client_id"]
    await admin.put(f"/api/v1/clients/{client_id}", json={"name": "Logged Change"})
    conn = await asyncpg.connect(stack.postgres_dsn)
    try:
        row = await conn.fetchrow("SELECT * FROM gateway.clients WHERE client_id = $1", client_id)
        audit = await conn.fetch(
            "SELECT details::text FROM gateway.audit_log WHERE target = $1", client_id
        )
    finally:
        await conn.close()
    assert row is not None and row["sealed_credentials"]
    stored = json.dumps({k: str(v) for k, v in dict(row).items()})
    await asyncio.sleep(0.5)  # let the log lines of these requests reach the file
    log = stack.log_of("gateway")
    for secret in secrets_of(body):
        assert secret not in stored
        assert secret not in log
        assert all(secret not in entry["details"] for entry in audit)
    assert [e for e in audit if "credentials_replaced" in e["details"]]


async def test_demo_accounts_are_registered_as_clients(admin: httpx.AsyncClient) -> None:
    accounts = json.loads(open("data/sim-accounts.json").read())  # noqa: ASYNC230, SIM115
    response = await admin.get("/api/v1/clients", params={"group": "demo"})
    clients = {c["client_id"]: c for c in response.json()}
    for account in accounts:
        client = clients[account["client_code"]]
        assert client["credentials"]["totp_secret"] is True
        assert account["password"] not in response.text
