"""Dealer accounts through the whole platform: an admin registers a dealer with its own
credentials and two clients reached through it; one execute-all over the two places each
order at the simulator in the right client's book (the dealer's session, `clientcode` set),
and a dealer whose login is refused shows as FAILED on each of its clients.

The session stack's simulator has dealers DLRT0001 and DLRT0002 (tests/conftest.py DEALERS),
each serving two accounts no other test trades.
"""

import json
from datetime import datetime
from pathlib import Path
from typing import Any

import httpx
from motilal import Credentials, MotilalClient, MotilalSettings, tag_for
from motilal.dealer import ClientOfDealer
from orders_testkit import Trading, batch_body, execute_all
from pydantic import SecretStr
from waiting import wait_for

RELIANCE = 2885


def _accounts(trading: Trading) -> dict[str, dict[str, Any]]:
    path = Path(trading.stack.platform.extra_env["MOTILAL_SIM_ACCOUNTS"])
    return {str(a["client_code"]): a for a in json.loads(path.read_text())}


def _dealer_body(dealer_id: str, account: dict[str, Any], password: str) -> dict[str, Any]:
    return {
        "dealer_id": dealer_id,
        "name": account["name"].title(),
        "motilal_client_id": account["client_code"],
        "api_key": account["api_key"],
        "password": password,
        "dob": account["dob"],
        "totp_secret": account["totp_secret"],
    }


async def _reach_through(gateway: httpx.AsyncClient, dealer_id: str, code: str) -> datetime:
    """Register `code` as reached through the dealer (or move it there if another test's
    set-up registered it with its own login); returns when that took effect."""
    body = {"client_id": code, "name": f"Dealer client {code}", "motilal_client_id": code,
            "dealer_id": dealer_id, "exchanges": ["NSE", "BSE"]}  # fmt: skip
    created = await gateway.post("/api/v1/clients", json=body)
    if created.status_code == 409:
        created = await gateway.put(f"/api/v1/clients/{code}", json={"dealer_id": dealer_id})
    assert created.status_code in (200, 201), created.text
    client = created.json()
    assert client["dealer_id"] == dealer_id
    assert not any(v for k, v in client["credentials"].items() if k != "updated_at")
    return datetime.fromisoformat(client["updated_at"])


async def _session_after(
    gateway: httpx.AsyncClient, code: str, since: datetime, state: str
) -> dict[str, Any]:
    async def probe() -> dict[str, Any] | None:
        session = (await gateway.get(f"/api/v1/clients/{code}")).json().get("session")
        if not session or datetime.fromisoformat(session["updated_at"]) < since:
            return None
        return session if session["state"] == state else None

    found: dict[str, Any] = await wait_for(probe, 90, f"{code}'s session {state}")
    return found


async def _register_dealer(gateway: httpx.AsyncClient, body: dict[str, Any]) -> None:
    answer = await gateway.post("/api/v1/dealers", json=body)
    assert answer.status_code in (201, 409), answer.text


async def test_dealer_session_places_execute_all_for_two_clients_each_in_its_own_book(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    accounts = _accounts(trading)
    dealer = accounts["DLRT0001"]
    first, second = dealer["dealer_of"]
    await _register_dealer(gateway, _dealer_body("desk-dealer-1", dealer, dealer["password"]))
    for code in (first, second):
        since = await _reach_through(gateway, "desk-dealer-1", code)
        await _session_after(gateway, code, since, "ACTIVE")
    listed = {d["dealer_id"]: d for d in (await gateway.get("/api/v1/dealers")).json()}
    assert listed["desk-dealer-1"]["clients"] == sorted([first, second])
    assert listed["desk-dealer-1"]["session"]["state"] == "ACTIVE"

    _, batch = await execute_all(gateway, batch_body(RELIANCE, {first: 1, second: 2}))

    orders = {o["client_id"]: o for o in batch["orders"]}
    assert {c: (o["status"], o["quantity"]) for c, o in orders.items()} == {
        first: ("FILLED", 1), second: ("FILLED", 2)}  # fmt: skip
    # At the broker: each order is in its own client's book, found by the dealer with that
    # client's code, and not in the other's.
    login = MotilalClient(
        MotilalSettings(base_url=trading.simulator_url),
        Credentials(
            client_code=dealer["client_code"], password=SecretStr(dealer["password"]),
            api_key=SecretStr(dealer["api_key"]), two_fa=SecretStr(dealer["dob"]),
            totp_secret=SecretStr(dealer["totp_secret"]),
        ),
    )  # fmt: skip
    try:
        await login.login()
        for mine, other in ((first, second), (second, first)):
            tag = tag_for(orders[mine]["order_id"])
            [found] = await ClientOfDealer(login, mine).orders_with_tag(tag)
            assert found.traded_quantity == orders[mine]["quantity"]
            assert await ClientOfDealer(login, other).orders_with_tag(tag) == []
    finally:
        await login.aclose()


async def test_dealer_login_refused_shows_failed_on_each_of_its_clients(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    dealer = _accounts(trading)["DLRT0002"]
    await _register_dealer(gateway, _dealer_body("desk-dealer-2", dealer, "Wrong@1234"))
    for code in dealer["dealer_of"]:
        since = await _reach_through(gateway, "desk-dealer-2", code)
        session = await _session_after(gateway, code, since, "FAILED")
        assert session["reason"].startswith("through dealer desk-dealer-2: "), session
    listed = {d["dealer_id"]: d for d in (await gateway.get("/api/v1/dealers")).json()}
    assert listed["desk-dealer-2"]["session"]["state"] == "FAILED"
