"""The adapter reads positions and margins at the simulator; the portfolio maps and compares.

Uses the simulator's /sim/positions control to change a client's positions behind the
platform's back, then asks the adapter to reconcile on demand.
"""

import json
from decimal import Decimal
from pathlib import Path

import httpx
import pytest
from motilal import Credentials, MotilalClient, MotilalSettings
from portfolio_testkit import until
from stack.testing import TestStack

CLIENT = "TST00168"  # an account no other test trades (its funds are the generated 50 lakh)
TCS = 11536


@pytest.fixture(scope="module")
async def urls(stack: TestStack) -> dict[str, str]:
    sim = await stack.start_simulator()
    started = await stack.start_services(["portfolio", "broker-adapter"])
    return {**started, "sim": sim}


async def test_reconcile_simulator_position_changed_behind_our_back_is_drift(
    urls: dict[str, str], stack: TestStack
) -> None:
    async with httpx.AsyncClient(timeout=30, headers=stack.internal_headers()) as http:
        # TCS held still at the position's own price while the reports are compared
        (await http.post(f"{urls['sim']}/sim/walk", json={"paused": True})).raise_for_status()
        try:
            await _check_drift(http, urls, stack)
        finally:
            await http.post(f"{urls['sim']}/sim/walk", json={"paused": False})


async def _check_drift(http: httpx.AsyncClient, urls: dict[str, str], stack: TestStack) -> None:
    priced = await http.post(
        f"{urls['sim']}/sim/prices", json={"exchange": "NSE", "token": TCS, "price": "3100"}
    )
    assert priced.status_code == 200, priced.text
    changed = await http.post(
        f"{urls['sim']}/sim/positions",
        json={"client_code": CLIENT, "exchange": "NSE", "token": TCS,
              "product": "DELIVERY", "quantity": 7, "average_price": "3100"},
    )  # fmt: skip
    assert changed.status_code == 200, changed.text

    async def reconcile() -> None:
        answer = await http.post(
            f"{urls['broker-adapter']}/internal/reconcile", json={"client_ids": [CLIENT]}
        )
        assert answer.status_code == 200, answer.text
        polled = answer.json()["polled"]
        assert polled == 1, [
            ln for ln in stack.log_of("broker-adapter").splitlines() if "WARN" in ln
        ][-5:]

    async def drift(confirmed: bool) -> list[dict] | None:
        body = (
            await http.get(f"{urls['portfolio']}/internal/drift", params={"client_id": CLIENT})
        ).json()
        rows = [d for d in body["drift"] if d["token"] == TCS]
        return rows if rows and (rows[0]["confirmed"] or not confirmed) else None

    await reconcile()
    (first,) = await until(lambda: drift(confirmed=False))
    assert (first["ours"], first["broker"]) == (0, 7)
    assert first["product"] == "DELIVERY" and first["trade_type"] == "DELIVERY"
    await reconcile()
    (again,) = await until(lambda: drift(confirmed=True))
    assert again["snapshots_seen"] >= 2

    # reported, not applied: the platform still holds nothing in TCS for this client
    ours = await http.get(
        f"{urls['portfolio']}/internal/positions",
        params={"client_id": CLIENT, "token": TCS},
    )
    assert ours.json() == []

    # the simulator's demo funds arrive through the margin detail report
    async def funds() -> dict | None:
        answer = await http.get(f"{urls['portfolio']}/internal/margins/{CLIENT}")
        return answer.json() if answer.status_code == 200 else None

    figures = await until(funds)
    # the cash balance (row 201) exactly as the simulator reports it to the client itself
    assert Decimal(figures["available_cash"]) == await _broker_cash(stack, CLIENT)
    assert figures["report"] == "detail"
    assert Decimal(figures["margin_used"]) > 0  # 7 TCS held as delivery block margin

    await http.post(
        f"{urls['sim']}/sim/positions",
        json={"client_code": CLIENT, "exchange": "NSE", "token": TCS,
              "product": "DELIVERY", "quantity": 0},
    )  # fmt: skip


async def _broker_cash(stack: TestStack, client_code: str) -> Decimal:
    """Row 201 of the client's margin detail report, read from the simulator as a client."""
    accounts_file = Path(stack.platform.extra_env["MOTILAL_SIM_ACCOUNTS"])
    accounts = json.loads(accounts_file.read_text())  # noqa: ASYNC240  (a small local file)
    account = next(a for a in accounts if a["client_code"] == client_code)
    credentials = Credentials(
        client_code=client_code,
        password=account["password"],
        api_key=account["api_key"],
        two_fa=account["dob"],
        totp_secret=account["totp_secret"],
    )
    async with MotilalClient(MotilalSettings(base_url=stack.simulator_url), credentials) as broker:
        await broker.login()
        cash = (await broker.margin_detail()).amount(201)
    assert cash is not None
    return cash
