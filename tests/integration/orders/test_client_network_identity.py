"""A client's own network identity through the whole platform (issue 15 item 5).

An admin gives one client its own identity: a second loopback address as its local IP (on
Linux all of 127.0.0.0/8 is the host's) and a public IP and MAC of its own. One execute-all
over it and a client without one: the simulator saw the first client's login and order
leave from 127.0.0.2 with its headers, and the other's from 127.0.0.1 with the
deployment's (GET /sim/callers: the last call per client code and endpoint).
"""

from datetime import datetime
from typing import Any

import httpx
from orders_testkit import Trading, batch_body, execute_all
from waiting import wait_for

RELIANCE = 2885
IDENTITY = {"public_ip": "49.36.12.8", "local_ip": "127.0.0.2", "mac_address": "02:42:ac:11:00:99"}


async def _active_since(gateway: httpx.AsyncClient, code: str, since: datetime) -> None:
    """The session the adapter opened after the identity reached it (its login came from
    the new address)."""

    async def probe() -> bool:
        session = (await gateway.get(f"/api/v1/clients/{code}")).json().get("session")
        return bool(
            session
            and datetime.fromisoformat(session["updated_at"]) >= since
            and session["state"] == "ACTIVE"
        )

    await wait_for(probe, 90, f"{code}'s session ACTIVE from its own address")


async def _callers(sim: httpx.AsyncClient) -> dict[str, dict[str, dict[str, Any]]]:
    response = await sim.get("/sim/callers")
    response.raise_for_status()
    found: dict[str, dict[str, dict[str, Any]]] = response.json()
    return found


async def test_a_client_with_its_own_identity_calls_from_its_local_address_with_its_headers(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    own, plain = trading.require(162)[160:162]  # accounts no other test trades
    changed = await gateway.put(
        f"/api/v1/clients/{own}", json={"network_identity": {**IDENTITY, "family": "desk-a"}}
    )
    assert changed.status_code == 200, changed.text
    shown = changed.json()["network_identity"]
    assert shown["local_ip"] == "127.0.0.2" and shown["family"] == "desk-a"
    assert shown["mac_address"] == "02:42:AC:11:00:99"
    assert (await gateway.get(f"/api/v1/clients/{plain}")).json()["network_identity"] is None
    await _active_since(gateway, own, datetime.fromisoformat(changed.json()["updated_at"]))

    _, batch = await execute_all(gateway, batch_body(RELIANCE, {own: 1, plain: 1}))

    statuses = {o["client_id"]: o["status"] for o in batch["orders"]}
    assert statuses == {own: "FILLED", plain: "FILLED"}, batch
    callers = await _callers(sim)
    for endpoint in ("login", "place_order"):
        mine = callers[own][endpoint]
        assert mine["peer"] == "127.0.0.2", (endpoint, mine)
        assert (mine["public_ip"], mine["local_ip"], mine["mac_address"]) == (
            "49.36.12.8", "127.0.0.2", "02:42:AC:11:00:99")  # fmt: skip
    other = callers[plain]["place_order"]
    assert other["peer"] == "127.0.0.1", other
    assert other["public_ip"] != "49.36.12.8" and other["mac_address"] != "02:42:AC:11:00:99"


async def test_an_identity_that_is_not_an_address_is_a_422_naming_the_field(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    (client,) = trading.require(163)[162:163]
    answer = await gateway.put(
        f"/api/v1/clients/{client}",
        json={"network_identity": {**IDENTITY, "local_ip": "eth0"}},
    )
    assert answer.status_code == 422, answer.text
    [error] = answer.json()["detail"]
    assert error["loc"][-2:] == ["network_identity", "local_ip"], error
