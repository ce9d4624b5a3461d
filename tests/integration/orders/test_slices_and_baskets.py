"""Freeze-quantity slices and baskets (issue 14, items 4 and 5) through the real stack.

A NIFTY option order of three times its freeze quantity (in whole lots) reaches the
simulator as three orders and fills into one parent; a two-leg basket over 20 clients
reaches the simulator hedge first for every client (the simulator numbers its orders in
the order it takes them); a basket whose first leg the broker refuses sends no second leg;
a bad basket is one 422 naming every problem, and nothing is placed. Accounts 120-149 are
traded by these tests only.
"""

from decimal import Decimal
from typing import Any

import httpx
from orders_testkit import Trading, batch_when, complete, sim_counters, wait_for
from test_order_flow import marker_order, placed

LOT = 65
MOST = 27 * LOT  # 1755: the most shares of whole lots under NIFTY's 1800 freeze
CALL_26000, CALL_27500 = 62160, 62161  # NIFTY26DEC26000CE / 27500CE (lot 65, freeze 1800)
PUT_26000, PUT_25000 = 62162, 62163
INDEX = 26000  # NIFTY 50: quotes, cannot be ordered


async def set_price(sim: httpx.AsyncClient, token: int, price: str) -> None:
    body = {"exchange": "NSEFO", "token": token, "price": price}
    (await sim.post("/sim/prices", json=body)).raise_for_status()


def leg(token: int, side: str, price: str, **sizing: Any) -> dict[str, Any]:
    """A LIMIT leg a little through the market, so it fills at once at the simulator's LTP."""
    return {"token_id": token, "exchange": "NSEFO", "execution_type": side,
            "order_type": "LIMIT", "trade_type": "INTRADAY", "price": price, **sizing}  # fmt: skip


async def test_order_three_times_the_freeze_reaches_the_broker_as_three_slices_one_parent(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    (client,) = trading.require(121)[120:121]
    await set_price(sim, CALL_27500, "40.00")
    before = await sim_counters(sim)
    response = await gateway.post(
        "/api/v1/orders/place",
        json={"client_id": client, **leg(CALL_27500, "BUY", "40.80", quantity=3 * MOST)},
    )
    assert response.status_code == 202, response.text
    order_id = response.json()["orders"][0]["order_id"]

    async def settled() -> dict[str, Any] | None:
        response = await gateway.get(f"/api/v1/orders/{order_id}")
        if response.status_code != 200:
            return None  # not processed yet
        order: dict[str, Any] = response.json()
        slices = order.get("slices") or []
        return order if slices and all(s["status"] == "FILLED" for s in slices) else None

    parent = await wait_for(settled, 120, f"the slices of {order_id} to fill")
    assert parent["status"] == "FILLED" and parent["slice_count"] == 3
    assert parent["quantity"] == parent["filled_quantity"] == 3 * MOST
    assert Decimal(parent["average_price"]) <= Decimal("40.80")
    assert [s["quantity"] for s in parent["slices"]] == [MOST, MOST, MOST]
    assert len({s["broker_order_id"] for s in parent["slices"]}) == 3
    after = await sim_counters(sim)
    assert placed(after, client) == placed(before, client) + 3  # three orders at the broker

    listed = await gateway.get("/api/v1/orders", params={"client_id": client, "limit": 50})
    ids = [o["order_id"] for o in listed.json()["orders"]]
    assert ids.count(order_id) == 1 and not {s["order_id"] for s in parent["slices"]} & set(ids)


async def test_two_leg_basket_over_twenty_clients_reaches_the_broker_hedge_first(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    clients = trading.require(142)[122:142]
    await set_price(sim, CALL_26000, "600.00")
    await set_price(sim, CALL_27500, "40.00")
    before = await sim_counters(sim)
    body = {
        "client_ids": clients,
        "legs": [  # asked sell first: the hedge goes out first all the same
            leg(CALL_26000, "SELL", "588.00", quantity=LOT),
            leg(CALL_27500, "BUY", "40.80", quantity=LOT),
        ],
    }
    response = await gateway.post("/api/v1/orders/basket", json=body)
    assert response.status_code == 202, response.text
    answer = response.json()
    assert [(lg["leg"], lg["asked_as"], lg["side"]) for lg in answer["legs"]] == [
        (1, 2, "BUY"),
        (2, 1, "SELL"),
    ]
    batch = await batch_when(gateway, answer["batch_id"], complete, seconds=180)
    assert batch["kind"] == "basket.requested" and batch["total"] == 40
    assert [lg["token_id"] for lg in batch["legs"]] == [CALL_27500, CALL_26000]
    assert batch["stopped"] == []
    by_client: dict[str, dict[int, dict[str, Any]]] = {}
    for order in batch["orders"]:
        by_client.setdefault(order["client_id"], {})[order["leg"]] = order
    assert sorted(by_client) == sorted(clients)
    after = await sim_counters(sim)
    for client, legs in by_client.items():
        hedge, short = legs[1], legs[2]
        assert (hedge["token_id"], hedge["side"]) == (CALL_27500, "BUY")
        assert (short["token_id"], short["side"]) == (CALL_26000, "SELL")
        assert hedge["status"] == short["status"] == "FILLED", (hedge, short)
        # the simulator numbers orders as it takes them: the hedge reached it first
        assert int(hedge["broker_order_id"]) < int(short["broker_order_id"]), client
        assert placed(after, client) == placed(before, client) + 2


async def test_basket_first_leg_refused_by_the_broker_keeps_the_clients_other_legs_back(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    clients = trading.require(145)[142:145]
    await set_price(sim, PUT_25000, "59.00")  # its upper circuit is 60.00
    await set_price(sim, PUT_26000, "250.00")
    before = await sim_counters(sim)
    body = {
        "client_ids": clients,
        "legs": [
            leg(PUT_26000, "SELL", "245.00", quantity=LOT),
            leg(PUT_25000, "BUY", "61.00", quantity=LOT),  # above the upper circuit: rejected
        ],
    }
    response = await gateway.post("/api/v1/orders/basket", json=body)
    assert response.status_code == 202, response.text
    batch = await batch_when(gateway, response.json()["batch_id"], complete, seconds=120)
    stopped = {s["client_id"]: s for s in batch["stopped"]}
    assert sorted(stopped) == sorted(clients), batch["orders"]
    for client in clients:
        assert stopped[client]["first_leg_status"] == "REJECTED"
        assert "above the upper circuit" in stopped[client]["first_leg_reason"]
        assert stopped[client]["legs_not_sent"] == [2]
    for order in batch["orders"]:
        if order["leg"] == 2:
            assert order["status"] == "DENIED" and order["rule"] == "basket_first_leg"
            assert order["broker_order_id"] is None and "first basket leg" in order["reason"]
    await marker_order(gateway, clients[0])  # anything sent before it has reached the broker
    after = await sim_counters(sim)
    assert placed(after, clients[0]) == placed(before, clients[0]) + 2  # the hedge, the marker
    for client in clients[1:]:
        assert placed(after, client) == placed(before, client) + 1  # the refused hedge only


async def test_held_legs_are_not_sent_when_a_kill_switch_was_engaged_after_the_basket_came(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    (client,) = trading.require(149)[148:149]
    await set_price(sim, CALL_27500, "40.00")
    await set_price(sim, CALL_26000, "600.00")
    before = await sim_counters(sim)
    body = {
        "client_ids": [client],
        "legs": [
            leg(CALL_26000, "SELL", "588.00", quantity=LOT),
            leg(CALL_27500, "BUY", "37.00", quantity=LOT),  # rests below, inside the 10 % band
        ],
    }
    response = await gateway.post("/api/v1/orders/basket", json=body)
    assert response.status_code == 202, response.text
    batch_id = response.json()["batch_id"]

    def hedge_working(batch: dict[str, Any]) -> bool:
        return any(o["leg"] == 1 and o["status"] == "ACCEPTED" for o in batch["orders"])

    await batch_when(gateway, batch_id, hedge_working, seconds=120)
    halt = {"client_id": client, "engaged": True, "cancel_open_orders": False, "reason": "test"}
    engaged = await gateway.post("/api/v1/admin/kill-switch", json=halt)
    try:
        assert engaged.status_code == 200, engaged.text
        await set_price(sim, CALL_27500, "36.50")  # the hedge trades: its held leg is due
        batch = await batch_when(gateway, batch_id, complete, seconds=120)
    finally:
        released = {"client_id": client, "engaged": False, "reason": "test over"}
        assert (await gateway.post("/api/v1/admin/kill-switch", json=released)).status_code == 200
    legs = {o["leg"]: o for o in batch["orders"]}
    assert legs[1]["status"] == "FILLED"
    assert legs[2]["status"] == "DENIED" and legs[2]["rule"] == "kill_switch", legs[2]
    assert legs[2]["broker_order_id"] is None
    assert placed(await sim_counters(sim), client) == placed(before, client) + 1  # the hedge


async def test_bad_basket_is_one_422_naming_every_problem_and_places_nothing(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    (client,) = trading.require(146)[145:146]
    before = await sim_counters(sim)
    body = {
        "client_ids": [client, "NOSUCH1"],
        "legs": [
            leg(CALL_27500, "BUY", "40.80", quantity=100),  # not whole lots of 65
            leg(INDEX, "SELL", "26000.00", quantity=LOT, exchange="NSE"),  # an index
            leg(CALL_26000, "SELL", "600.03", quantity=LOT),  # off the 0.05 tick
        ],
    }
    response = await gateway.post("/api/v1/orders/basket", json=body)
    assert response.status_code == 422, response.text
    problems = {tuple(p["loc"]): p["msg"] for p in response.json()["detail"]}
    assert problems[("body", "client_ids", 1)] == "client NOSUCH1 is not registered"
    assert "not a multiple of lot size 65" in problems[("body", "legs", 0, "quantity")]
    assert "cannot be ordered" in problems[("body", "legs", 1, "token_id")]
    assert "tick size" in problems[("body", "legs", 2, "price")]
    assert len(problems) == 4

    fixed = {"mode": "fixed", "quantity": LOT}
    legs = [leg(CALL_27500, "BUY", "40.80", quantity=LOT),
            leg(CALL_26000, "SELL", "588.00", allocation=fixed)]  # fmt: skip
    no_group = await gateway.post(
        "/api/v1/orders/basket", json={"group": "no-such-group", "legs": legs}
    )
    assert no_group.status_code == 422
    assert [p["loc"] for p in no_group.json()["detail"]] == [["body", "group"]]

    await marker_order(gateway, client)
    after = await sim_counters(sim)
    assert placed(after, client) == placed(before, client) + 1  # the marker only


async def test_preview_shows_the_slices_and_each_risk_rules_outcome(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    (client,) = trading.require(147)[146:147]
    await set_price(sim, CALL_27500, "40.00")
    body = {**leg(CALL_27500, "BUY", "40.80"),
            "client_orders": [{"client_id": client, "quantity": 2 * MOST + LOT}]}  # fmt: skip
    response = await gateway.post("/api/v1/orders/preview", json=body)
    assert response.status_code == 200, response.text
    (row,) = response.json()["rows"]
    assert row["slices"] == [MOST, MOST, LOT]
    checks = {c["check"]: c for c in row["risk"]["checks"]}
    assert list(checks)[:2] == ["kill_switch", "client"] and "margin" in checks
    assert {c["outcome"] for c in checks.values()} <= {"passed", "skipped"}
    for skipped in (c for c in checks.values() if c["outcome"] == "skipped"):
        assert skipped["reason"] and "not checked" in skipped["reason"]


async def test_cancel_of_a_sliced_order_cancels_its_working_slices(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    (client,) = trading.require(148)[147:148]
    await set_price(sim, CALL_27500, "40.00")
    response = await gateway.post(  # a buy well below the market rests at the broker
        "/api/v1/orders/place",
        json={"client_id": client, **leg(CALL_27500, "BUY", "37.00", quantity=2 * MOST)},
    )
    assert response.status_code == 202, response.text
    order_id = response.json()["orders"][0]["order_id"]

    async def parent_in(status: str) -> dict[str, Any] | None:
        found = await gateway.get(f"/api/v1/orders/{order_id}")
        if found.status_code != 200:
            return None
        order: dict[str, Any] = found.json()
        slices = {s["status"] for s in order["slices"]}
        return order if order["status"] == status and slices == {status} else None

    await wait_for(lambda: parent_in("ACCEPTED"), 90, "both slices to rest")
    before = await sim_counters(sim)
    canceled = await gateway.post(f"/api/v1/orders/{order_id}/cancel")
    assert canceled.status_code == 202, canceled.text
    done = await wait_for(lambda: parent_in("CANCELED"), 90, "both slices to cancel")
    assert done["filled_quantity"] == 0 and len(done["slices"]) == 2
    after = await sim_counters(sim)
    calls = after.get("cancel_calls", {}).get(client, 0) - before.get("cancel_calls", {}).get(
        client, 0
    )
    assert calls == 2  # one cancel per working slice
