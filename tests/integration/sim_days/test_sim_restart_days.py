"""A simulator restarted with a state folder is the next trading day at the same broker
(what `make run` after `make run` does): empty books, numbering from 1, the same funds and
holdings as the last day left them."""

import json
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from motilal import MotilalClient
from motilal.config import Credentials, MotilalSettings
from motilal.models import OrderRequest, OrderType, Side
from motilal_sim.testing import RunningSimulator, run_simulator

pytestmark = pytest.mark.timeout(120)
ROOT = Path(__file__).resolve().parents[3]
ACCOUNT: dict[str, Any] = json.loads((ROOT / "data" / "sim-accounts.json").read_text())[0]
ENV = {"MOTILAL_SIM_TICK_INTERVAL": "0"}


async def logged_in(sim: RunningSimulator) -> MotilalClient:
    credentials = Credentials(
        client_code=ACCOUNT["client_code"], password=ACCOUNT["password"],
        api_key=ACCOUNT["api_key"], two_fa=ACCOUNT["dob"], totp_secret=ACCOUNT["totp_secret"],
    )  # fmt: skip
    client = MotilalClient(MotilalSettings(base_url=sim.base_url, read_timeout=5), credentials)
    await client.login()
    return client


async def day_of(sim: RunningSimulator) -> int:
    async with httpx.AsyncClient(base_url=sim.base_url, timeout=5) as control:
        return int((await control.get("/sim/health")).json()["day"])


def reliance_held(holdings: list[Any]) -> int:
    return sum(h.quantity for h in holdings if h.nse_token == 2885)


async def test_sim_restart_with_state_folder_is_the_next_day_with_the_same_holdings(
    tmp_path: Path,
) -> None:
    env = {**ENV, "MOTILAL_SIM_STATE_DIR": str(tmp_path)}
    buy = OrderRequest(
        exchange="NSE", token=2885, side=Side.BUY, order_type=OrderType.LIMIT,
        product="DELIVERY", quantity=30, price=Decimal("1628.00"), symbol="RELIANCE",
        tag="DAY1",
    )  # fmt: skip
    with run_simulator(env=env) as sim:
        client = await logged_in(sim)
        held = reliance_held(await client.holdings())
        placed = await client.place_order(buy)
        [trade] = await client.trade_book()
        await client.aclose()
    with run_simulator(env=env) as sim:
        assert await day_of(sim) == 2
        client = await logged_in(sim)
        assert await client.order_book() == [] and await client.trade_book() == []
        assert reliance_held(await client.holdings()) == held + 30
        again = await client.place_order(buy)
        assert again.unique_order_id == placed.unique_order_id  # numbering restarts
        [today] = await client.trade_book()
        assert today.trade_no == trade.trade_no
        assert today.time is not None and trade.time is not None and today.time > trade.time
        await client.aclose()


async def test_sim_restart_without_state_folder_is_the_first_day_again() -> None:
    with run_simulator(env=ENV) as sim:
        async with httpx.AsyncClient(base_url=sim.base_url, timeout=5) as control:
            (await control.post("/sim/next-day", json={})).raise_for_status()
        assert await day_of(sim) == 2
    with run_simulator(env=ENV) as sim:
        assert await day_of(sim) == 1
