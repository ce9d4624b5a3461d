"""Desk groups and group allocation (issue 14) through the real stack.

Groups are managed by admins, read by anyone, audited; execute-all with a group and an
allocation places each member's resolved quantity, which reaches the simulator as such.
"""

import json
from decimal import Decimal
from typing import Any

import asyncpg
import httpx
from common.ids import new_id
from orders_testkit import Trading, batch_when, complete, sim_counters, wait_for
from test_order_flow import marker_order, placed

NIFTY_FUT = 62151  # NSEFO, lot 65, tick 0.10
LOT = 65
SBIN = 3045  # NSE, lot 1: cheap enough for any simulator account's margin


def sbin_buy(**extra: Any) -> dict[str, Any]:
    return {"token_id": SBIN, "execution_type": "BUY", "order_type": "MARKET",
            "trade_type": "INTRADAY", **extra}  # fmt: skip


def nifty_buy(**extra: Any) -> dict[str, Any]:
    return {"token_id": NIFTY_FUT, "execution_type": "BUY", "order_type": "MARKET",
            "trade_type": "INTRADAY", **extra}  # fmt: skip


async def audit_of(trading: Trading, target: str) -> list[tuple[str, dict[str, Any]]]:
    conn = await asyncpg.connect(trading.stack.postgres_dsn)
    try:
        rows = await conn.fetch(
            "SELECT action, details::text FROM gateway.audit_log WHERE target = $1 ORDER BY id",
            target,
        )
    finally:
        await conn.close()
    return [(r["action"], json.loads(r["details"])) for r in rows]


async def trader_client(trading: Trading, gateway: httpx.AsyncClient) -> httpx.AsyncClient:
    name = f"trader_{new_id()[:8]}"
    created = await gateway.post(
        "/api/v1/users", json={"username": name, "password": "trader-pass-1", "role": "trader"}
    )
    assert created.status_code == 201, created.text
    login = await gateway.post(
        "/api/v1/auth/login", json={"username": name, "password": "trader-pass-1"}
    )
    assert login.status_code == 200, login.text
    headers = {"Authorization": f"Bearer {login.json()['access_token']}"}
    return httpx.AsyncClient(base_url=trading.gateway_url, timeout=30, headers=headers)


async def test_groups_admin_manages_trader_reads_unknown_clients_named_every_change_audited(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    a, b = trading.require(2)
    name = f"g-{new_id()[:8]}"
    unknown = await gateway.post(
        "/api/v1/groups",
        json={"name": name, "members": [{"client_id": a}, {"client_id": "NOPE1"},
                                        {"client_id": "NOPE2"}]},
    )  # fmt: skip
    assert unknown.status_code == 422, unknown.text
    assert {(tuple(p["loc"]), p["msg"]) for p in unknown.json()["detail"]} == {
        (("body", "members", 1, "client_id"), "client NOPE1 is not registered"),
        (("body", "members", 2, "client_id"), "client NOPE2 is not registered"),
    }
    bad_multiplier = await gateway.post(
        "/api/v1/groups", json={"name": name, "members": [{"client_id": a, "multiplier": 0}]}
    )
    assert bad_multiplier.status_code == 422
    assert bad_multiplier.json()["detail"][0]["loc"][-1] == "multiplier"

    second = {"client_id": b, "multiplier": "0.5", "max_quantity": 650}
    body = {"name": name, "members": [{"client_id": a, "multiplier": "2"}, second]}
    created = await gateway.post("/api/v1/groups", json=body)
    assert created.status_code == 201, created.text
    assert created.json()["members"] == [
        {"client_id": a, "multiplier": "2", "max_quantity": None},
        {"client_id": b, "multiplier": "0.5", "max_quantity": 650},
    ]
    assert (await gateway.post("/api/v1/groups", json=body)).status_code == 409

    async with await trader_client(trading, gateway) as trader:
        assert (await trader.get(f"/api/v1/groups/{name}")).status_code == 200
        assert name in [g["name"] for g in (await trader.get("/api/v1/groups")).json()]
        denied = await trader.put(f"/api/v1/groups/{name}", json={"members": [{"client_id": a}]})
        assert denied.status_code == 403
        assert (await trader.delete(f"/api/v1/groups/{name}")).status_code == 403

    changed = await gateway.put(
        f"/api/v1/groups/{name}", json={"description": "desk", "members": [{"client_id": b}]}
    )
    assert changed.status_code == 200, changed.text
    assert changed.json()["members"] == [{"client_id": b, "multiplier": "1", "max_quantity": None}]
    assert (await gateway.delete(f"/api/v1/groups/{name}")).status_code == 204
    assert (await gateway.get(f"/api/v1/groups/{name}")).status_code == 404

    audit = await audit_of(trading, name)
    assert [action for action, _ in audit] == ["group.create", "group.update", "group.delete"]
    assert audit[1][1]["members_before"][1]["max_quantity"] == 650
    assert audit[1][1]["members"] == [{"client_id": b, "multiplier": "1", "max_quantity": None}]


async def test_group_with_multipliers_places_each_members_resolved_quantity_at_the_broker(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    a, b, c, d = trading.require(4)
    name = f"g-{new_id()[:8]}"
    members = [{"client_id": a, "multiplier": "1"}, {"client_id": b, "multiplier": "2"},
               {"client_id": c, "multiplier": "0.5"},
               {"client_id": d, "multiplier": "0.2"}]  # fmt: skip
    created = await gateway.post("/api/v1/groups", json={"name": name, "members": members})
    assert created.status_code == 201, created.text

    response = await gateway.post(
        "/api/v1/orders/execute-all",
        json=sbin_buy(group=name, allocation={"mode": "multiplier", "base_quantity": 3}),
    )
    assert response.status_code == 202, response.text
    answer = response.json()
    assert {r["client_id"]: (r["quantity"], r["lots"]) for r in answer["allocation"]} == {
        a: (3, 3),
        b: (6, 6),
        c: (1, 1),
        d: (0, 0),
    }
    assert answer["skipped"] == [d]
    reasons = {r["client_id"]: r["reason"] for r in answer["allocation"]}
    assert reasons[c] == "1.5 shares rounded down to 1 lot of 1"
    assert reasons[d] == "0.6 shares rounded down to 0 lots of 1"

    batch = await batch_when(gateway, answer["batch_id"], complete, seconds=120)
    at_broker = {o["client_id"]: (o["quantity"], o["status"], bool(o["broker_order_id"]))
                 for o in batch["orders"]}  # fmt: skip
    assert at_broker == {a: (3, "FILLED", True), b: (6, "FILLED", True),
                         c: (1, "FILLED", True)}  # fmt: skip
    for order in batch["orders"]:
        assert order["filled_quantity"] == order["quantity"]
    ((action, details),) = await audit_of(trading, answer["batch_id"])
    assert action == "batch.place"
    assert details["group"] == name and details["orders"] == {a: 3, b: 6, c: 1}
    assert [r["quantity"] for r in details["allotments"]] == [3, 6, 1, 0]


async def test_group_allocation_bad_input_is_one_422_and_places_nothing(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    (a,) = trading.require(1)
    name = f"g-{new_id()[:8]}"
    group = {"name": name, "members": [{"client_id": a, "max_quantity": 10}]}
    assert (await gateway.post("/api/v1/groups", json=group)).status_code == 201

    unknown = await gateway.post(
        "/api/v1/orders/execute-all",
        json=nifty_buy(group="no-such-group", allocation={"mode": "fixed", "quantity": LOT}),
    )
    assert unknown.status_code == 422
    assert unknown.json()["detail"][0]["loc"] == ["body", "group"]

    all_zero = await gateway.post(
        "/api/v1/orders/execute-all",
        json=nifty_buy(group=name, allocation={"mode": "fixed", "quantity": LOT}),
    )
    assert all_zero.status_code == 422
    (problem,) = all_zero.json()["detail"]
    assert problem["loc"] == ["body", "allocation"]
    assert "leaves every member" in problem["msg"] and "capped at max_quantity 10" in problem["msg"]

    outsider = await gateway.post(
        "/api/v1/orders/execute-all",
        json=nifty_buy(group=name, allocation={
            "mode": "explicit", "client_orders": [{"client_id": "OUTSIDER", "quantity": LOT}]}),
    )  # fmt: skip
    assert outsider.status_code == 422
    assert outsider.json()["detail"][0]["msg"] == f"client OUTSIDER is not in group {name}"

    both = await gateway.post(
        "/api/v1/orders/execute-all",
        json=nifty_buy(group=name, allocation={"mode": "capital", "percent": 101}),
    )
    assert both.status_code == 422
    assert both.json()["detail"][0]["loc"][-1] == "percent"


async def test_preview_shows_each_members_quantity_margin_and_risk_and_publishes_nothing(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    a, b, c = trading.require(7)[4:7]
    name = f"g-{new_id()[:8]}"
    members = [{"client_id": a, "multiplier": "1"}, {"client_id": b, "multiplier": "2"},
               {"client_id": c, "multiplier": "0.1"}]  # fmt: skip
    assert (
        await gateway.post("/api/v1/groups", json={"name": name, "members": members})
    ).is_success
    listed_before = await gateway.get("/api/v1/orders", params={"client_id": a, "limit": 5000})
    before = await sim_counters(sim)

    response = await gateway.post(
        "/api/v1/orders/preview",
        json=sbin_buy(group=name, allocation={"mode": "multiplier", "base_quantity": 5}),
    )
    assert response.status_code == 200, response.text
    preview = response.json()
    assert preview["published"] is False and preview["orders"] == 2 and preview["skipped"] == 1
    rows = {r["client_id"]: r for r in preview["rows"]}
    assert {k: (r["quantity"], r["lots"], r["skipped"]) for k, r in rows.items()} == {
        a: (5, 5, False),
        b: (10, 10, False),
        c: (0, 0, True),
    }
    assert rows[c]["reason"] == "0.5 shares rounded down to 0 lots of 1" and rows[c]["risk"] is None
    for client in (a, b):
        row = rows[client]
        assert row["risk"]["approved"] is True, row
        assert row["session"] is not None and row["session"]["state"]
        expected = Decimal(row["price"]) * row["quantity"] * Decimal(row["margin_rate"])
        assert Decimal(row["required_margin"]) == expected.quantize(Decimal("0.01"))
        if row["available_margin"] is not None:
            enough = Decimal(row["required_margin"]) <= Decimal(row["available_margin"])
            assert row["margin_enough"] is enough

    invalid = await gateway.post(
        "/api/v1/orders/preview",
        json=sbin_buy(group="no-such-group", allocation={"mode": "fixed", "quantity": 1}),
    )
    assert invalid.status_code == 422 and invalid.json()["detail"][0]["loc"] == ["body", "group"]

    # a marker placed after the preview reaches the broker: then nothing else did
    await marker_order(gateway, a)
    after = await sim_counters(sim)
    for client in (a, b):
        expected_more = 1 if client == a else 0
        assert placed(after, client) == placed(before, client) + expected_more
    listed_after = await gateway.get("/api/v1/orders", params={"client_id": a, "limit": 5000})
    assert len(listed_after.json()["orders"]) == len(listed_before.json()["orders"]) + 1


async def margin_of(gateway: httpx.AsyncClient, client: str) -> Decimal | None:
    response = await gateway.get(f"/api/v1/clients/{client}/portfolio")
    if response.status_code != 200:
        return None
    available = response.json()["funds"]["margin_available"]
    return None if available is None else Decimal(available)


async def test_capital_mode_takes_a_share_of_each_members_simulator_margin_at_the_limit_price(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    a, b = trading.require(9)[7:9]
    reconciled = await gateway.post("/api/v1/admin/reconcile", json={"client_ids": [a, b]})
    assert reconciled.status_code == 200, reconciled.text  # margins read at the broker now
    for client in (a, b):
        await wait_for(lambda c=client: margin_of(gateway, c), 60, f"{client}'s margins")  # type: ignore[misc]
    name = f"g-{new_id()[:8]}"
    members = [{"client_id": a, "multiplier": "3"}, {"client_id": b, "max_quantity": 7}]
    assert (
        await gateway.post("/api/v1/groups", json={"name": name, "members": members})
    ).is_success
    price = Decimal("800.00")
    before = {c: await margin_of(gateway, c) for c in (a, b)}
    response = await gateway.post(
        "/api/v1/orders/preview",
        json=sbin_buy(order_type="LIMIT", price=str(price), group=name,
                      allocation={"mode": "capital", "percent": "1.5"}),
    )  # fmt: skip
    after = {c: await margin_of(gateway, c) for c in (a, b)}
    assert response.status_code == 200, response.text
    rows = {r["client_id"]: r for r in response.json()["rows"]}

    def share(margin: Decimal | None) -> int:
        assert margin is not None
        return int(margin * Decimal("1.5") / 100 / price)  # SBIN lot 1; the multiplier unused

    assert rows[a]["quantity"] in {share(before[a]), share(after[a])}
    assert rows[a]["quantity"] > 7  # the accounts hold lakhs: the cap below bites
    assert rows[b]["quantity"] == 7
    assert "capped at max_quantity 7" in rows[b]["reason"]


async def test_execute_with_preview_id_places_what_the_preview_showed_or_409_naming_changes(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    a, b = trading.require(11)[9:11]
    name = f"g-{new_id()[:8]}"
    members = [{"client_id": a, "multiplier": "1"}, {"client_id": b, "multiplier": "3"}]
    assert (
        await gateway.post("/api/v1/groups", json={"name": name, "members": members})
    ).is_success
    order = sbin_buy(group=name, allocation={"mode": "multiplier", "base_quantity": 2})
    shown = (await gateway.post("/api/v1/orders/preview", json=order)).json()
    before = await sim_counters(sim)

    other = await gateway.post(
        "/api/v1/orders/execute-all",
        json={**order, "tag": "changed", "preview_id": shown["preview_id"]},
    )
    assert other.status_code == 422 and other.json()["detail"][0]["loc"] == ["body", "preview_id"]

    response = await gateway.post(
        "/api/v1/orders/execute-all", json={**order, "preview_id": shown["preview_id"]}
    )
    assert response.status_code == 202, response.text
    batch = await batch_when(gateway, response.json()["batch_id"], complete)
    sent = {o["client_id"]: o["quantity"] for o in batch["orders"]}
    assert sent == {r["client_id"]: r["quantity"] for r in shown["rows"]} == {a: 2, b: 6}
    after = await sim_counters(sim)
    assert all(placed(after, c) == placed(before, c) + 1 for c in (a, b))  # one order each

    again = (await gateway.post("/api/v1/orders/preview", json=order)).json()
    members[1]["multiplier"] = "4"  # the group changes after the preview
    changed = await gateway.put(f"/api/v1/groups/{name}", json={"members": members})
    assert changed.status_code == 200
    refused = await gateway.post(
        "/api/v1/orders/execute-all", json={**order, "preview_id": again["preview_id"]}
    )
    assert refused.status_code == 409, refused.text
    assert f"{b}: quantity 6 -> 8" in refused.json()["detail"]["changed"]
