"""F&O orders reach Motilal as NORMAL while the platform keeps its trade type (issue 12, item 8)."""

from decimal import Decimal
from typing import Any

import httpx
import pytest
import test_adapter_execution as execution
from common.contracts.instruments import Instrument
from common.enums import Exchange, Side, TradeType
from orders_testkit import Trading
from stack.testing import TestStack
from test_adapter_execution import Events, broker_client, place

adapter, events, commands, sim = (
    execution.adapter,
    execution.events,
    execution.commands,
    execution.sim,
)

NIFTY_FUT = Instrument(
    token=62151, exchange=Exchange.NSEFO, symbol="NIFTY26DECFUT", lot_size=65,
    tick_size=Decimal("0.10"),
)  # fmt: skip


@pytest.fixture(scope="module")
def client_code(trading: Trading) -> str:
    return trading.require(40)[-1]  # one no other adapter test uses


async def test_adapter_intraday_future_is_sent_as_normal_and_stays_intraday(
    stack: TestStack, events: Events, commands: Any, sim: httpx.AsyncClient, client_code: str
) -> None:
    price = {"exchange": "NSEFO", "token": NIFTY_FUT.token, "price": "26400.00"}
    (await sim.post("/sim/prices", json=price)).raise_for_status()
    order = place(client_code, NIFTY_FUT, Side.BUY, 65, price=Decimal("26300.00"))
    assert order.trade_type is TradeType.INTRADAY
    await commands(order)
    accepted = await events.wait_type(order.order_id, "order.accepted")
    broker = await broker_client(stack.simulator_url, client_code)
    try:
        [booked] = [o for o in await broker.order_book()
                    if o.unique_order_id == accepted.broker_order_id]  # type: ignore[attr-defined]  # fmt: skip
    finally:
        await broker.aclose()
    assert booked.product == "NORMAL" and booked.quantity == 65
    assert "order.rejected" not in events.types(order.order_id)
