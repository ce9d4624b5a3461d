"""Risk automation on the whole order path (issue 15): MTM limits per client and per group
hit by moving the simulator's price, the timed square-off at a simulated time of day, and
alerts reaching a webhook receiver.

Accounts 192-198 and the tokens MARUTI, EICHERMOT and HEROMOTOCO are traded by no other
test: a flatten blocks its clients for the rest of the trading date.
"""

import contextlib
from datetime import datetime
from decimal import Decimal

import httpx
from common.ids import new_id
from common.trading_days import IST
from orders_testkit import Trading, batch_body, wait_for
from risk_testkit import (
    Receiver,
    client_orders,
    flat,
    ltp,
    open_trades,
    order_in,
    place,
    set_price,
)

MARUTI, EICHERMOT, HEROMOTOCO = 10999, 910, 1348
MID_BAND = {MARUTI: Decimal("16100"), EICHERMOT: Decimal("7000"), HEROMOTOCO: Decimal("5600")}
"""Between each one's circuits (data/tokens.csv): a resting buy 8 % under stays inside the
band; the walk and earlier runs move prices, and a buy under the lower circuit is rejected."""
DONE = {"FILLED", "REJECTED", "DENIED", "CANCELED"}


async def buy_and_hold(gateway: httpx.AsyncClient, client: str, token: int, **body: str) -> None:
    order = await order_in(gateway, await place(gateway, client_id=client, token_id=token,
                                                **body), DONE)  # fmt: skip
    assert order["status"] == "FILLED", order
    await wait_for(lambda: open_trades(gateway, client, token), 180, f"{client}'s position")


async def resting_buy(gateway: httpx.AsyncClient, sim: httpx.AsyncClient, client: str,
                      token: int, trade_type: str = "INTRADAY") -> str:  # fmt: skip
    """A LIMIT buy 8% under the price: it stays working."""
    price = (await ltp(sim, token) * Decimal("0.92")).quantize(Decimal("1"))
    order_id = await place(gateway, client_id=client, token_id=token, order_type="LIMIT",
                           price=str(price), trade_type=trade_type)  # fmt: skip
    await order_in(gateway, order_id, {"ACCEPTED"})
    return order_id


async def exits_filled(gateway: httpx.AsyncClient, client: str, token: int) -> list[object]:
    orders = await client_orders(gateway, client, token)
    return [o for o in orders if o["execution_type"] == "EXIT" and o["status"] == "FILLED"]


async def test_mtm_stop_loss_hit_by_price_exits_and_blocks_that_client_not_another(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    limited, other = trading.require(194)[192:194]
    bad = await gateway.put(f"/api/v1/clients/{limited}/limits", json={"mtm_stop_loss": "-5"})
    assert bad.status_code == 422 and "mtm_stop_loss" in bad.text
    unknown = await gateway.put("/api/v1/clients/NOSUCH1/limits", json={"mtm_stop_loss": "1"})
    assert unknown.status_code == 404
    put = await gateway.put(f"/api/v1/clients/{limited}/limits", json={"mtm_stop_loss": "200"})
    assert put.status_code == 200, put.text
    read = (await gateway.get(f"/api/v1/clients/{limited}/limits")).json()
    assert Decimal(read["mtm_stop_loss"]) == 200 and read["triggered"] is False

    await set_price(sim, MARUTI, MID_BAND[MARUTI])
    price = await ltp(sim, MARUTI)
    await buy_and_hold(gateway, limited, MARUTI)
    await buy_and_hold(gateway, other, MARUTI)
    working = await resting_buy(gateway, sim, limited, MARUTI)

    await set_price(sim, MARUTI, price * Decimal("0.96"))  # about -640 on one share

    await wait_for(lambda: exits_filled(gateway, limited, MARUTI), 180, "the exit to fill")
    await wait_for(lambda: flat(gateway, limited, MARUTI), 180, f"{limited} to be flat")
    assert (await order_in(gateway, working, {"CANCELED"}))["status"] == "CANCELED"
    denied = await order_in(gateway, await place(gateway, client_id=limited, token_id=MARUTI,
                                                 trade_type="DELIVERY"), DONE)  # fmt: skip
    assert denied["status"] == "DENIED" and denied["rule"] == "mtm_limit", denied
    assert "MTM stop loss hit for client" in denied["reason"]

    assert await open_trades(gateway, other, MARUTI), "the other client was exited too"
    assert not await exits_filled(gateway, other, MARUTI)
    passed = await order_in(gateway, await place(gateway, client_id=other, token_id=MARUTI),
                            DONE)  # fmt: skip
    assert passed["status"] == "FILLED", passed
    # a preview right after another client's decision still reads the blocked one's blocks
    preview = await gateway.post(
        "/api/v1/orders/preview", json=batch_body(MARUTI, {limited: 1}, trade_type="DELIVERY")
    )
    assert preview.status_code == 200, preview.text
    (row,) = preview.json()["rows"]
    assert (row["risk"]["approved"], row["risk"]["rule"]) == (False, "mtm_limit"), row
    blocks = (await gateway.get(f"/api/v1/clients/{limited}/blocks")).json()["blocks"]
    assert [b["rule"] for b in blocks] == ["mtm_limit"]
    assert (await gateway.get(f"/api/v1/clients/{limited}/limits")).json()["triggered"]

    lifted = await gateway.delete(f"/api/v1/clients/{limited}/blocks")
    assert lifted.status_code == 200 and lifted.json()["lifted"] == [limited], lifted.text
    after = await order_in(gateway, await place(gateway, client_id=limited, token_id=MARUTI,
                                                trade_type="DELIVERY"), DONE)  # fmt: skip
    assert after["status"] == "FILLED", after


async def test_group_mtm_limit_on_the_members_sum_exits_and_blocks_every_member(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    first, second = trading.require(196)[194:196]
    name = f"mtm-{new_id()[:8]}"
    created = await gateway.post(
        "/api/v1/groups", json={"name": name, "members": [{"client_id": first}]}
    )
    assert created.status_code == 201, created.text
    await set_price(sim, EICHERMOT, MID_BAND[EICHERMOT])
    price = await ltp(sim, EICHERMOT)
    # each member alone loses about 210, under the limit; together about 420, over it
    put = await gateway.put(f"/api/v1/groups/{name}/limits", json={"mtm_stop_loss": "300"})
    assert put.status_code == 200, put.text
    assert put.json()["members"] == [first]
    grown = await gateway.put(
        f"/api/v1/groups/{name}",
        json={"members": [{"client_id": first}, {"client_id": second}]},
    )
    assert grown.status_code == 200, grown.text
    limits = (await gateway.get(f"/api/v1/groups/{name}/limits")).json()
    assert sorted(limits["members"]) == sorted([first, second])  # the limits follow the group
    assert limits["mtm_stop_loss"] == "300"
    for client in (first, second):
        await buy_and_hold(gateway, client, EICHERMOT)

    await set_price(sim, EICHERMOT, price * Decimal("0.97"))

    for client in (first, second):
        await wait_for(lambda c=client: flat(gateway, c, EICHERMOT), 180, f"{client} flat")
        order = await order_in(gateway, await place(gateway, client_id=client,
                                                    token_id=EICHERMOT), DONE)  # fmt: skip
        assert order["status"] == "DENIED" and order["rule"] == "mtm_limit", order
        assert f"group {name}" in order["reason"]
    lifted = await gateway.delete(f"/api/v1/groups/{name}/blocks")
    assert sorted(lifted.json()["lifted"]) == sorted([first, second])


async def test_square_off_at_a_simulated_time_exits_intraday_only_and_denies_new_intraday(
    trading: Trading, gateway: httpx.AsyncClient, sim: httpx.AsyncClient
) -> None:
    client, bystander = trading.require(198)[196:198]
    await set_price(sim, HEROMOTOCO, MID_BAND[HEROMOTOCO])
    await buy_and_hold(gateway, client, HEROMOTOCO)
    await buy_and_hold(gateway, client, HEROMOTOCO, trade_type="DELIVERY")
    intraday_working = await resting_buy(gateway, sim, client, HEROMOTOCO)
    delivery_working = await resting_buy(gateway, sim, client, HEROMOTOCO, "DELIVERY")

    at = datetime.now(IST).replace(hour=15, minute=16, second=0, microsecond=0)
    router = trading.stack.url_of("order-router")
    async with httpx.AsyncClient(headers=trading.stack.internal_headers(), timeout=30) as http:
        early = await http.post(f"{router}/internal/risk/square-off",
                                json={"at": at.replace(hour=15, minute=14).isoformat(),
                                      "client_ids": [client]})  # fmt: skip
        assert early.status_code == 200 and early.json()["fired"] == [], early.text
        ran = await http.post(f"{router}/internal/risk/square-off",
                              json={"at": at.isoformat(), "client_ids": [client]})  # fmt: skip
    assert ran.status_code == 200, ran.text
    assert f"{client}@NSE" in ran.json()["fired"]

    async def intraday_flat() -> bool:
        trades = await open_trades(gateway, client, HEROMOTOCO)
        return [t["trade_type"] for t in trades] == ["DELIVERY"]

    await wait_for(intraday_flat, 180, "only the DELIVERY position to stay open")
    assert (await order_in(gateway, intraday_working, {"CANCELED"}))["status"] == "CANCELED"
    still = (await gateway.get(f"/api/v1/orders/{delivery_working}")).json()
    assert still["status"] == "ACCEPTED", still
    denied = await order_in(gateway, await place(gateway, client_id=client,
                                                 token_id=HEROMOTOCO), DONE)  # fmt: skip
    assert denied["status"] == "DENIED" and denied["rule"] == "square_off_time", denied
    delivery = await order_in(gateway, await place(gateway, client_id=client, token_id=HEROMOTOCO,
                                                   trade_type="DELIVERY"), DONE)  # fmt: skip
    assert delivery["status"] == "FILLED", delivery
    other = await order_in(gateway, await place(gateway, client_id=bystander,
                                                token_id=HEROMOTOCO), DONE)  # fmt: skip
    assert other["status"] == "FILLED", other
    await gateway.post(f"/api/v1/orders/{delivery_working}/cancel")


async def test_alert_reaches_the_webhook_after_a_failed_post(
    trading: Trading, gateway: httpx.AsyncClient
) -> None:
    (client,) = trading.require(199)[198:199]
    stack = trading.stack
    async with Receiver(fail_first=1).running() as receiver:
        # a second gateway with the webhook set (the session's own has none)
        stack.platform.extra_env["GATEWAY_ALERT_WEBHOOK_URL"] = receiver.url
        try:
            await stack.start_replicas("gateway", 2)
        finally:
            del stack.platform.extra_env["GATEWAY_ALERT_WEBHOOK_URL"]
        try:
            reason = f"webhook test {new_id()[:6]}"

            async def delivered() -> list[dict[str, object]]:
                return [a for a in receiver.accepted if reason in str(a.get("detail"))]

            alerts: list[dict[str, object]] = []
            for _ in range(12):  # its consumer starts at the latest offset once it joined
                engaged = await gateway.post(
                    "/api/v1/admin/kill-switch",
                    json={"client_id": client, "engaged": True, "reason": reason},
                )
                assert engaged.status_code in (200, 202), engaged.text
                with contextlib.suppress(AssertionError):
                    alerts = await wait_for(delivered, 5, "the kill-switch alert at the webhook")
                    break
            assert alerts, f"no alert reached the webhook; it saw {receiver.attempts}"
        finally:
            stack.kill("gateway-2")
            await gateway.post(
                "/api/v1/admin/kill-switch",
                json={"client_id": client, "engaged": False, "reason": "over"},
            )
    alert = alerts[0]
    assert alert["kind"] == "kill_switch" and alert["client_id"] == client
    assert alert["severity"] == "critical" and "Kill switch engaged" in str(alert["text"])
    tries = [a for a in receiver.attempts if a["event_id"] == alert["event_id"]]
    assert len(tries) >= 2  # the first POST was answered 503 and retried
