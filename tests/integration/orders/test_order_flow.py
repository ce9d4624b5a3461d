"""Orders end to end through the gateway, the order-router, the adapter and the simulator.

Each test uses its own tokens or clients where it matters, so they can share one stack.
"""

import asyncio
import json
from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx
import pytest
from common.ids import new_id
from orders_testkit import (
    Trading,
    batch_body,
    execute_all,
    order_when,
    sim_counters,
    wait_for,
)

SBIN = 3045
TATASTEEL = 3499
WIPRO = 3787
ICICI = 4963
NIFTY_FUT = 62151  # NSEFO, lot 65, tick 0.10


def placed(counters: dict[str, Any], client: str) -> int:
    return int(counters.get("orders_placed", {}).get(client, 0)) + int(
        counters.get("orders_rejected", {}).get(client, 0)
    )


async def marker_order(gateway: httpx.AsyncClient, client: str) -> dict[str, Any]:
    """One share of TATASTEEL at market for `client`, followed until the broker settled it:
    the positive signal a test waits for before saying nothing else reached the broker."""
    response = await gateway.post(
        "/api/v1/orders/place",
        json={"client_id": client, "token_id": TATASTEEL, "execution_type": "BUY",
              "order_type": "MARKET", "trade_type": "INTRADAY", "quantity": 1},
    )  # fmt: skip
    assert response.status_code == 202, response.text
    order_id = response.json()["orders"][0]["order_id"]
    return await order_when(gateway, order_id, {"FILLED", "REJECTED", "DENIED"})


async def test_execute_all_fifty_clients_with_zeros_places_one_order_each_filled(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    clients = trading.require(60)
    quantities = {c: (0 if i % 6 == 5 else 1 + i % 3) for i, c in enumerate(clients)}
    active = [c for c, q in quantities.items() if q]
    assert len(active) == 50
    before = await sim_counters(sim)
    answer, batch = await execute_all(gateway, batch_body(SBIN, quantities), seconds=240)
    assert sorted(o["client_id"] for o in answer["orders"]) == sorted(active)
    assert sorted(answer["skipped"]) == sorted(set(clients) - set(active))

    unfilled = [o for o in batch["orders"] if o["status"] != "FILLED"]
    assert batch["counts"] == {"FILLED": 50}, unfilled
    assert {o["client_id"] for o in batch["orders"]} == set(active)
    assert all(o["filled_quantity"] == quantities[o["client_id"]] for o in batch["orders"])
    after = await sim_counters(sim)
    for client in clients:
        expected = 1 if quantities[client] else 0
        assert placed(after, client) - placed(before, client) == expected, client


async def test_execute_all_invalid_entries_answer_422_per_field_and_place_nothing(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    good, other = trading.require(2)
    before = await sim_counters(sim)
    quantities = {good: 65, "NOSUCHCLIENT": 65, other: 7, "SKIPPED": 0}
    body = batch_body(NIFTY_FUT, quantities, order_type="LIMIT", price="26000.05")
    response = await gateway.post("/api/v1/orders/execute-all", json=body)
    assert response.status_code == 422, response.text
    problems = {tuple(p["loc"]): p["msg"] for p in response.json()["detail"]}
    assert problems == {
        ("body", "price"): "price 26000.05 is not a multiple of tick size 0.10 for NIFTY26DECFUT",
        ("body", "client_orders", 1, "client_id"): "client NOSUCHCLIENT is not registered",
        ("body", "client_orders", 2, "quantity"): (
            "quantity 7 is not a multiple of lot size 65 for NIFTY26DECFUT"
        ),
    }
    listed = await gateway.get("/api/v1/orders", params={"client_id": good, "token_id": NIFTY_FUT})
    assert listed.json()["orders"] == []
    await marker_order(gateway, good)  # sent after the refused batch, and at the broker now
    after = await sim_counters(sim)
    assert placed(after, good) == placed(before, good) + 1  # the marker alone


async def test_place_missing_limit_price_and_unknown_token_answers_422(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    (client,) = trading.require(1)
    response = await gateway.post(
        "/api/v1/orders/place",
        json={
            "client_id": client,
            "token_id": 999999,
            "execution_type": "BUY",
            "order_type": "LIMIT",
            "trade_type": "DELIVERY",
            "quantity": 1,
        },
    )
    assert response.status_code == 422
    locs = {tuple(p["loc"]) for p in response.json()["detail"]}
    assert locs == {("body", "token_id"), ("body", "price")}


async def test_place_same_idempotency_key_twice_places_once(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    (client,) = trading.require(3)[2:]
    body = {
        "client_id": client,
        "token_id": TATASTEEL,
        "execution_type": "BUY",
        "order_type": "MARKET",
        "trade_type": "INTRADAY",
        "quantity": 3,
    }
    key = {"Idempotency-Key": new_id()}
    before = await sim_counters(sim)
    first = await gateway.post("/api/v1/orders/place", json=body, headers=key)
    second = await gateway.post("/api/v1/orders/place", json=body, headers=key)
    assert first.status_code == second.status_code == 202
    assert first.json() == second.json()
    assert second.headers.get("Idempotent-Replayed") == "true"
    other = await gateway.post("/api/v1/orders/place", json={**body, "quantity": 4}, headers=key)
    assert other.status_code == 422
    assert "already used for a different request" in other.text

    order_id = first.json()["orders"][0]["order_id"]
    order = await order_when(gateway, order_id, {"FILLED", "REJECTED"})
    assert order["status"] == "FILLED", order
    listed = await gateway.get(
        "/api/v1/orders", params={"client_id": client, "token_id": TATASTEEL}
    )
    assert [o["order_id"] for o in listed.json()["orders"]].count(order_id) == 1
    await marker_order(gateway, client)  # sent after the replay, and at the broker now
    after = await sim_counters(sim)
    assert placed(after, client) - placed(before, client) == 2  # the order once, the marker


async def ltp(sim: httpx.AsyncClient, token: int) -> Decimal:
    response = await sim.get(f"/sim/prices/NSE/{token}")
    response.raise_for_status()
    return Decimal(response.json()["ltp"])


async def test_kill_switch_for_client_cancels_working_and_denies_new_orders(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    (client,) = trading.require(4)[3:]
    resting = (await ltp(sim, WIPRO) * Decimal("0.95")).quantize(Decimal("0.01"), ROUND_DOWN)
    limit = {
        "client_id": client,
        "token_id": WIPRO,
        "execution_type": "BUY",
        "order_type": "LIMIT",
        "trade_type": "DELIVERY",
        "quantity": 2,
        "price": str(resting),
    }
    placed_order = await gateway.post("/api/v1/orders/place", json=limit)
    assert placed_order.status_code == 202, placed_order.text
    working_id = placed_order.json()["orders"][0]["order_id"]
    await order_when(gateway, working_id, {"ACCEPTED"})

    reason = f"test halt {new_id()[:6]}"
    engaged = await gateway.post(
        "/api/v1/admin/kill-switch",
        json={"client_id": client, "engaged": True, "cancel_open_orders": True, "reason": reason},
    )
    try:
        assert engaged.status_code == 200, engaged.text
        state = (await gateway.get("/api/v1/admin/kill-switch")).json()
        assert any(c["client_id"] == client and c["engaged"] for c in state["clients"])
        canceled = await order_when(gateway, working_id, {"CANCELED"})
        assert canceled["status"] == "CANCELED"

        denied = await gateway.post("/api/v1/orders/place", json=limit)
        assert denied.status_code == 202
        denied_id = denied.json()["orders"][0]["order_id"]
        order = await order_when(gateway, denied_id, {"DENIED"})
        assert order["rule"] == "kill_switch"
        assert reason in order["reason"]
    finally:
        released = await gateway.post(
            "/api/v1/admin/kill-switch",
            json={"client_id": client, "engaged": False, "reason": "test over"},
        )
        assert released.status_code == 200, released.text


async def test_exit_without_position_is_denied_naming_its_rule(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    (client,) = trading.require(5)[4:]
    response = await gateway.post(
        "/api/v1/orders/place",
        json={
            "client_id": client,
            "token_id": ICICI,
            "execution_type": "EXIT",
            "order_type": "MARKET",
            "trade_type": "MTF",
        },
    )
    assert response.status_code == 202, response.text
    order_id = response.json()["orders"][0]["order_id"]
    order = await order_when(gateway, order_id, {"DENIED"})
    assert order["rule"] == "exit_position"
    assert "no open MTF position" in order["reason"]
    batch = (await gateway.get(f"/api/v1/batches/{response.json()['batch_id']}")).json()
    assert batch["counts"] == {"DENIED": 1}
    assert batch["orders"][0]["reason"] == order["reason"]


async def test_ws_batch_channel_pushes_counts_until_filled(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    import websockets

    clients = trading.require(8)[5:8]
    url = trading.gateway_url.replace("http", "ws", 1) + f"/ws?token={trading.admin_token}"
    async with websockets.connect(url) as socket:
        assert json.loads(await socket.recv())["type"] == "welcome"
        body = batch_body(SBIN, dict.fromkeys(clients, 1))
        answer, _ = await execute_all(gateway, body, lambda b: b["total"] == 3)
        batch_id = answer["batch_id"]
        await socket.send(json.dumps({"action": "subscribe", "channels": [f"batch:{batch_id}"]}))

        seen: list[Any] = []

        async def filled() -> dict[str, Any] | None:
            try:
                message = json.loads(await asyncio.wait_for(socket.recv(), 10))
            except TimeoutError:
                return None
            seen.append(message)
            if message.get("type") == "batch" and message["data"]["counts"] == {"FILLED": 3}:
                return message
            return None

        message = await wait_for(filled, 120, f"a batch message with 3 FILLED; saw {seen}")
        assert message["channel"] == f"batch:{batch_id}"


@pytest.mark.parametrize("token", [None, "not-a-token"])
async def test_ws_without_valid_token_is_closed_4401(trading: Trading, token: str | None) -> None:
    import websockets

    base = trading.gateway_url.replace("http", "ws", 1) + "/ws"
    async with websockets.connect(base + (f"?token={token}" if token else "")) as socket:
        if token is None:
            await socket.send(json.dumps({"action": "auth", "token": "bad"}))
        error = json.loads(await socket.recv())
        assert error["type"] == "error"
        with pytest.raises(websockets.ConnectionClosed) as closed:
            await socket.recv()
        assert closed.value.rcvd is not None and closed.value.rcvd.code == 4401


async def test_place_for_client_whose_session_failed_is_denied_with_session_reason(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    if not trading.failing_session_clients:
        pytest.skip("no simulator account with a failing login in this stack")
    client = trading.failing_session_clients[0]

    async def session_failed() -> bool:
        found = await gateway.get(f"/api/v1/clients/{client}")
        session = found.json().get("session") or {}
        return session.get("state") == "FAILED"

    await wait_for(session_failed, 90, f"the session of {client} to fail")
    response = await gateway.post(
        "/api/v1/orders/place",
        json={
            "client_id": client,
            "token_id": SBIN,
            "execution_type": "BUY",
            "order_type": "MARKET",
            "trade_type": "INTRADAY",
            "quantity": 1,
        },
    )
    assert response.status_code == 202, response.text
    order = await order_when(gateway, response.json()["orders"][0]["order_id"], {"DENIED"})
    assert order["rule"] == "broker_session"
    assert f"broker session of client {client} failed" in order["reason"]


async def test_order_list_filters_out_of_range_are_422_naming_the_field(
    gateway: httpx.AsyncClient,
) -> None:
    # Found by the fuzz drill: these reached PostgreSQL and came back as 5xx.
    cases = {
        "offset": {"offset": 2**70},
        "since": {"since": "0001-01-01T00:00:00+05:00"},
        "token_id": {"token_id": 2**31},
    }
    for field, params in cases.items():
        answer = await gateway.get("/api/v1/orders", params=params)
        assert answer.status_code == 422, (field, answer.text)
        assert answer.json()["detail"][0]["loc"] == ["query", field]
    # A time without an offset is taken as UTC.
    naive = await gateway.get("/api/v1/orders", params={"since": "2999-01-01T00:00:00"})
    assert naive.status_code == 200 and naive.json()["orders"] == []


async def test_modify_through_gateway_reaches_broker_then_cancel_ends_it(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    (client,) = trading.require(6)[5:]
    market = await ltp(sim, TATASTEEL)
    # Both limits below the market yet inside the circuit band (the broker refuses outside).
    resting = (market * Decimal("0.97")).quantize(Decimal("0.01"), ROUND_DOWN)
    lower = (market * Decimal("0.94")).quantize(Decimal("0.01"), ROUND_DOWN)
    placed_order = await gateway.post(
        "/api/v1/orders/place",
        json={"client_id": client, "token_id": TATASTEEL, "execution_type": "BUY",
              "order_type": "LIMIT", "trade_type": "DELIVERY", "quantity": 2,
              "price": str(resting)},
    )  # fmt: skip
    assert placed_order.status_code == 202, placed_order.text
    order_id = placed_order.json()["orders"][0]["order_id"]
    await order_when(gateway, order_id, {"ACCEPTED"})

    bad = await gateway.post(f"/api/v1/orders/{order_id}/modify", json={})
    assert bad.status_code == 422, bad.text
    changed = await gateway.post(
        f"/api/v1/orders/{order_id}/modify", json={"quantity": 3, "price": str(lower)}
    )
    assert changed.status_code == 202, changed.text

    async def modified() -> dict[str, Any] | None:
        order: dict[str, Any] = (await gateway.get(f"/api/v1/orders/{order_id}")).json()
        done = order["status"] == "ACCEPTED" and order["quantity"] == 3
        return order if done and Decimal(order["price"]) == lower else None

    await wait_for(modified, 90, f"order {order_id} modified")
    # The broker holds the new terms: a price between the old and new limits fills nothing.
    midway = ((resting + lower) / 2).quantize(Decimal("0.01"))
    between = {"exchange": "NSE", "token": TATASTEEL, "price": str(midway)}
    fills = (await sim_counters(sim)).get("fills", {}).get(client, 0)
    assert (await sim.post("/sim/prices", json=between)).status_code == 200
    # the simulator matches as it moves a price: once it has answered, no trade was made
    assert (await sim_counters(sim)).get("fills", {}).get(client, 0) == fills
    assert (await gateway.get(f"/api/v1/orders/{order_id}")).json()["filled_quantity"] == 0

    canceled = await gateway.post(f"/api/v1/orders/{order_id}/cancel")
    assert canceled.status_code == 202, canceled.text
    ended = await order_when(gateway, order_id, {"CANCELED"})
    assert ended["filled_quantity"] == 0
    again = await gateway.post(f"/api/v1/orders/{order_id}/cancel")
    assert again.status_code == 409, again.text
