"""The adapter reads positions and margins at the simulator; the portfolio maps and compares.

Uses the simulator's /sim/positions control to change a client's positions behind the
platform's back, then asks the adapter to reconcile on demand.
"""

from decimal import Decimal

import httpx
import pytest
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
        assert Decimal(figures["available_cash"]) == Decimal("5000000")
        assert figures["report"] == "detail"
        assert Decimal(figures["margin_used"]) > 0  # 7 TCS held as delivery block margin

        await http.post(
            f"{urls['sim']}/sim/positions",
            json={"client_code": CLIENT, "exchange": "NSE", "token": TCS,
                  "product": "DELIVERY", "quantity": 0},
        )  # fmt: skip
