"""The metrics the dashboards and alerts need behave: consumer lag per group, working
orders by age, sessions by state, broker errors by Motilal's code, the gateway's hops.
Each test trades an account no other test trades (177)."""

from decimal import ROUND_DOWN, Decimal
from typing import Any

import httpx
from orders_testkit import Trading, wait_for
from prometheus_client.parser import text_string_to_metric_families

TATASTEEL = 3499


async def samples(trading: Trading, service: str) -> list[tuple[str, dict[str, str], float]]:
    async with httpx.AsyncClient(timeout=30) as client:
        response = await client.get(f"{trading.stack.url_of(service)}/metrics")
    assert response.status_code == 200, response.text
    return [
        (s.name, s.labels, s.value)
        for family in text_string_to_metric_families(response.text)
        for s in family.samples
    ]


async def value(trading: Trading, service: str, name: str, **labels: str) -> float:
    """The sum of `name`'s samples whose labels include `labels` (0 when none)."""
    return sum(
        v
        for n, found, v in await samples(trading, service)
        if n == name and labels.items() <= found.items()
    )


async def ltp(sim: httpx.AsyncClient, token: int) -> Decimal:
    response = await sim.get(f"/sim/prices/NSE/{token}")
    response.raise_for_status()
    return Decimal(response.json()["ltp"])


async def place_limit(gateway: httpx.AsyncClient, client: str, price: Decimal) -> str:
    placed = await gateway.post(
        "/api/v1/orders/place",
        json={"client_id": client, "token_id": TATASTEEL, "execution_type": "BUY",
              "order_type": "LIMIT", "trade_type": "DELIVERY", "quantity": 1,
              "price": str(price)},
    )  # fmt: skip
    assert placed.status_code == 202, placed.text
    order_id: str = placed.json()["orders"][0]["order_id"]
    return order_id


async def status_of(gateway: httpx.AsyncClient, order_id: str, statuses: set[str]) -> Any:
    async def probe() -> dict[str, Any] | None:
        response = await gateway.get(f"/api/v1/orders/{order_id}")
        order: dict[str, Any] = response.json() if response.status_code == 200 else {}
        return order if order.get("status") in statuses else None

    return await wait_for(probe, 90, f"order {order_id} in {statuses}")


async def test_a_resting_order_is_counted_aged_and_timed_through_the_gateway(
    trading: Trading,
) -> None:
    (client,) = trading.require(178)[177:]  # an account no other test trades
    async with trading.gateway() as gateway, trading.simulator() as sim:
        accepted_before = await value(trading, "gateway", "gateway_order_accept_seconds_count")
        resting = (await ltp(sim, TATASTEEL) * Decimal("0.97")).quantize(
            Decimal("0.05"), ROUND_DOWN
        )
        order_id = await place_limit(gateway, client, resting)
        await status_of(gateway, order_id, {"ACCEPTED"})

        async def aged() -> float | None:
            age = await value(
                trading, "order-router", "order_router_oldest_working_order_age_seconds",
                status="ACCEPTED", order_type="LIMIT",
            )  # fmt: skip
            return age if age > 0 else None

        await wait_for(aged, 30, "the resting order's age on order-router's /metrics")
        assert (
            await value(trading, "order-router", "order_router_working_orders", status="ACCEPTED")
            >= 1
        )
        assert (
            await value(trading, "order-router", "order_router_commands_sent_total", type="place")
            >= 1
        )
        assert await value(trading, "gateway", "gateway_order_publish_seconds_count") >= 1
        assert await value(trading, "gateway", "gateway_order_requests_total") >= 1

        async def timed() -> bool:
            count = await value(trading, "gateway", "gateway_order_accept_seconds_count")
            return count > accepted_before

        await wait_for(timed, 30, "the order's request-to-accepted time on the gateway")

        # Motilal answers the cancel with its technical error (the book then shows it done)
        errors_before = await value(
            trading, "broker-adapter", "broker_adapter_broker_errors_total", code="MO8000"
        )
        await sim.put("/sim/faults", json={"broker_error": 1.0, "broker_error_code": "MO8000",
                                           "limit": 1, "endpoints": ["cancel_order"]})  # fmt: skip
        try:
            canceled = await gateway.post(f"/api/v1/orders/{order_id}/cancel")
            assert canceled.status_code == 202, canceled.text
            await status_of(gateway, order_id, {"CANCELED"})
        finally:
            await sim.put("/sim/faults", json={})
    errors = await value(
        trading, "broker-adapter", "broker_adapter_broker_errors_total", code="MO8000"
    )
    assert errors == errors_before + 1


async def test_sessions_by_state_and_consumer_lag_per_group(trading: Trading) -> None:
    sessions = {
        labels["state"]: v
        for name, labels, v in await samples(trading, "broker-adapter")
        if name == "broker_adapter_sessions"
    }
    assert set(sessions) == {"LOGGED_OUT", "LOGGING_IN", "ACTIVE", "FAILED", "OTP_REQUIRED"}
    assert sum(sessions.values()) >= len(trading.clients)

    async def lag_of_requests() -> list[Any] | None:
        found = [
            (labels, v)
            for name, labels, v in await samples(trading, "order-router")
            if name == "order_router_consumer_lag_messages"
            and labels["topic"] == "orders.requests.v1"
        ]
        return found or None

    lags = await wait_for(lag_of_requests, 30, "order-router's lag on orders.requests.v1")
    assert all(labels["group"] and int(labels["partition"]) >= 0 for labels, _ in lags)
    assert all(v >= 0 for _, v in lags)
