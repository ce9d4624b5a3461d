"""Answers Motilal does not mean as "rejected", through the broker-adapter (issue 12, item 3).

Each answer is injected once by the simulator on a place, modify or cancel: MO8000 and
MO5002 (the work was done, the answer says only "technical error"), an unreadable body,
HTTP 503 and 429, and a timeout (nothing was done). The order must end as the book says,
exactly once, with no second order at the broker and no rejection. A session that expired
is logged in again and the call retried once.
"""

from decimal import Decimal
from typing import Any

import httpx
import pytest
import test_adapter_execution as execution
from common.contracts.commands import CancelOrder, ModifyOrder
from common.enums import OrderType, Side
from orders_testkit import Trading
from test_adapter_execution import ITC, SBIN, Events, counters, place, set_price

# The execution tests' fixtures: the same adapter, event reader and command sender.
adapter, events, commands, sim = (
    execution.adapter,
    execution.events,
    execution.commands,
    execution.sim,
)

# (sim fault body, what it stands for); "after work": the order exists at the broker.
PLACE_ANSWERS = {
    "mo8000": {"broker_error": 1.0, "broker_error_code": "MO8000"},
    "mo5002": {"broker_error": 1.0, "broker_error_code": "MO5002"},
    "unreadable": {"garbled": 1.0},
    "http503": {"error_5xx": 1.0},
    "http429": {"rate_429": 1.0},
    # Longer than the client's 10 s read timeout (MOTILAL_READ_TIMEOUT): no answer in time.
    "timeout": {"timeout": 1.0, "timeout_seconds": 11.0},
}


@pytest.fixture(scope="module")
def spare(trading: Trading) -> list[str]:
    """Clients no other adapter test uses (their counters and books are this module's)."""
    codes = trading.require(40)
    return codes[-20:]  # past the 200 the burst test uses


# Resting prices inside the circuit band whatever the walk did: the price is set first.
SBIN_MARKET, SBIN_BID = Decimal("960.00"), Decimal("950.00")  # band 864.00-1056.00
ITC_MARKET, ITC_BID = Decimal("405.00"), Decimal("400.00")  # band 364.50-445.50


async def _placed(sim: httpx.AsyncClient, client_code: str) -> int:
    return int((await counters(sim)).get("orders_placed", {}).get(client_code, 0))


@pytest.mark.parametrize("answer", list(PLACE_ANSWERS), ids=list(PLACE_ANSWERS))
async def test_adapter_place_answer_is_unknown_outcome_settled_once_from_the_book(
    events: Events, commands: Any, sim: httpx.AsyncClient, spare: list[str], answer: str
) -> None:
    client_code = spare[list(PLACE_ANSWERS).index(answer)]
    before = await _placed(sim, client_code)
    fault = {**PLACE_ANSWERS[answer], "limit": 1, "endpoints": ["place_order"]}
    await sim.put("/sim/faults", json=fault)
    try:
        await set_price(sim, SBIN, SBIN_MARKET)
        order = place(client_code, SBIN, Side.BUY, 1, price=SBIN_BID)
        await commands(order)
        accepted = await events.wait_type(order.order_id, "order.accepted")
    finally:
        await sim.put("/sim/faults", json={})
    injected = (await counters(sim))["faults_injected"]
    assert sum(n for k, n in injected.items() if k.endswith(":place_order")) >= 1
    assert await _placed(sim, client_code) - before == 1  # one order at the broker
    types = events.types(order.order_id)
    assert types.count("order.accepted") == 1 and "order.rejected" not in types
    assert accepted.broker_order_id  # type: ignore[attr-defined]


async def test_adapter_cancel_answered_mo8000_is_confirmed_from_the_book(
    events: Events, commands: Any, sim: httpx.AsyncClient, spare: list[str]
) -> None:
    client_code = spare[6]
    await set_price(sim, ITC, ITC_MARKET)
    order = place(client_code, ITC, Side.BUY, 1, price=ITC_BID)
    await commands(order)
    await events.wait_type(order.order_id, "order.accepted")
    await sim.put("/sim/faults", json={"broker_error": 1.0, "limit": 1,
                                       "endpoints": ["cancel_order"]})  # fmt: skip
    try:
        await commands(CancelOrder(**order.caused(order_id=order.order_id, client_id=client_code)))
        await events.wait_type(order.order_id, "order.canceled")
    finally:
        await sim.put("/sim/faults", json={})
    assert "order.change_rejected" not in events.types(order.order_id)


async def test_adapter_modify_answered_mo5002_is_confirmed_from_the_book(
    events: Events, commands: Any, sim: httpx.AsyncClient, spare: list[str]
) -> None:
    client_code = spare[7]
    await set_price(sim, ITC, ITC_MARKET)
    low = ITC_BID
    order = place(client_code, ITC, Side.BUY, 1, price=low)
    await commands(order)
    await events.wait_type(order.order_id, "order.accepted")
    await sim.put("/sim/faults", json={"broker_error": 1.0, "broker_error_code": "MO5002",
                                       "limit": 1, "endpoints": ["modify_order"]})  # fmt: skip
    try:
        new_price = low - Decimal("1.00")
        await commands(ModifyOrder(
            **order.caused(order_id=order.order_id, client_id=client_code), instrument=ITC,
            order_type=OrderType.LIMIT, quantity=2, price=new_price,
        ))  # fmt: skip
        modified = await events.wait_type(order.order_id, "order.modified")
    finally:
        await sim.put("/sim/faults", json={})
    assert (modified.quantity, modified.price) == (2, new_price)  # type: ignore[attr-defined]
    assert "order.change_rejected" not in events.types(order.order_id)
    modifies = (await counters(sim)).get("orders_modified", {}).get(client_code, 0)
    assert modifies == 1  # the book showed it done: not sent again


async def test_adapter_expired_session_logs_in_again_and_places_once(
    events: Events, commands: Any, sim: httpx.AsyncClient, spare: list[str]
) -> None:
    client_code = spare[8]
    await set_price(sim, ITC, ITC_MARKET)
    price = ITC_BID
    warm = place(client_code, ITC, Side.BUY, 1, price=price)
    await commands(warm)  # the client has a session
    await events.wait_type(warm.order_id, "order.accepted")
    logins = (await counters(sim))["logins"][client_code]
    placed = await _placed(sim, client_code)
    assert (await sim.post(f"/sim/sessions/{client_code}/expire")).status_code == 200
    order = place(client_code, ITC, Side.BUY, 1, price=price)
    await commands(order)
    await events.wait_type(order.order_id, "order.accepted")
    after = await counters(sim)
    assert after["logins"][client_code] == logins + 1
    assert after["orders_placed"][client_code] == placed + 1
