"""Dealer registration at the gateway: a dealer with its own credentials (admin only, never
echoed), and clients that carry either their own credentials or a dealer, never both."""

import base64
from typing import Any

import httpx
from common.ids import new_id
from conftest import bearer, create_user, token_for


def _dealer(**overrides: Any) -> dict[str, Any]:
    body: dict[str, Any] = {
        "dealer_id": f"dealer-{new_id()[:8]}",
        "name": "Desk Dealer",
        "motilal_client_id": "D" + new_id()[:9].upper(),
        "api_key": f"key{new_id()[:12]}",
        "password": f"Pw!{new_id()[:14]}",
        "dob": "01/01/1980",
        "totp_secret": base64.b32encode(bytes.fromhex(new_id()[:32] + new_id()[:8])).decode(),
    }
    body.update(overrides)
    return body


def _client(dealer_id: str, **overrides: Any) -> dict[str, Any]:
    code = "C" + new_id()[:9].upper()
    return {"name": "Dealer's client", "motilal_client_id": code, "dealer_id": dealer_id,
            **overrides}  # fmt: skip


def _fields(response: httpx.Response) -> set[str]:
    return {e["loc"][-1] for e in response.json()["detail"]}


async def test_dealer_registered_shows_presence_not_secrets_and_its_clients(
    admin: httpx.AsyncClient,
) -> None:
    body = _dealer()
    created = await admin.post("/api/v1/dealers", json=body)
    assert created.status_code == 201, created.text
    client = await admin.post("/api/v1/clients", json=_client(body["dealer_id"]))
    assert client.status_code == 201, client.text
    listed = {d["dealer_id"]: d for d in (await admin.get("/api/v1/dealers")).json()}

    dealer = listed[body["dealer_id"]]
    assert dealer["credentials"]["password"] is True and dealer["credentials"]["api_key"]
    assert dealer["clients"] == [client.json()["client_id"]]
    assert client.json()["dealer_id"] == body["dealer_id"]
    for secret in (body["password"], body["api_key"], body["totp_secret"]):
        assert secret not in created.text and secret not in str(listed)
    again = await admin.post("/api/v1/dealers", json=body)
    assert again.status_code == 409


async def test_client_with_dealer_and_credentials_is_422_naming_each_credential(
    admin: httpx.AsyncClient,
) -> None:
    dealer = _dealer()
    assert (await admin.post("/api/v1/dealers", json=dealer)).status_code == 201
    both = await admin.post(
        "/api/v1/clients", json=_client(dealer["dealer_id"], password="Pw!x12345", api_key="k1")
    )
    assert both.status_code == 422
    assert _fields(both) == {"api_key", "password"}
    assert "either dealer_id or credentials" in both.text


async def test_client_naming_an_unknown_dealer_is_422_on_dealer_id(
    admin: httpx.AsyncClient,
) -> None:
    response = await admin.post("/api/v1/clients", json=_client("no-such-dealer"))
    assert response.status_code == 422
    assert _fields(response) == {"dealer_id"}
    assert "no-such-dealer" in response.text


async def test_dealer_without_password_is_422_and_a_trader_cannot_register_one(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient
) -> None:
    body = _dealer()
    del body["password"]
    missing = await admin.post("/api/v1/dealers", json=body)
    assert missing.status_code == 422 and _fields(missing) == {"password"}
    username, password = await create_user(admin, "trader")
    token = await token_for(gateway, username, password)
    refused = await gateway.post("/api/v1/dealers", json=_dealer(), headers=bearer(token))
    assert refused.status_code == 403
