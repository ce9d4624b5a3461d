"""The simulator's quantity freeze: an F&O order above it is rejected, as the exchange does."""

from pathlib import Path

import pytest
from motilal_sim.config import SimSettings
from motilal_sim.rejects import Reject
from motilal_sim.state import SimState

ROOT = Path(__file__).resolve().parents[3]
CLIENT = "EMUM7551"
NIFTY_CALL = ("NSEFO", 62161)  # NIFTY26DEC27500CE: lot 65, freeze 1800 (27 lots = 1755)


@pytest.fixture
def state(tmp_path: Path) -> SimState:
    settings = SimSettings(
        accounts=ROOT / "data" / "sim-accounts.json",
        tokens=ROOT / "data" / "tokens.csv",
        tick_interval=0,
        state_dir=tmp_path / "sim",
    )
    return SimState.from_settings(settings)


def place(state: SimState, lots: int) -> dict[str, object]:
    body = {
        "exchange": NIFTY_CALL[0], "symboltoken": NIFTY_CALL[1], "buyorsell": "BUY",
        "ordertype": "LIMIT", "producttype": "VALUEPLUS", "orderduration": "DAY",
        "price": "60.00", "quantityinlot": lots, "amoorder": "N", "tag": "FREEZE",
    }  # fmt: skip
    return state.engine.place(CLIENT, body)


def test_sim_order_at_the_freeze_quantity_is_taken(state: SimState) -> None:
    assert place(state, 27)["uniqueorderid"]
    assert state.engine.counters["orders_placed"][CLIENT] == 1


def test_sim_order_above_the_freeze_quantity_is_rejected_naming_it(state: SimState) -> None:
    with pytest.raises(Reject) as caught:
        place(state, 28)
    assert caught.value.code == "MO1050"
    assert "28 lots (1820 shares) is above the quantity freeze 1800" in caught.value.message
    assert state.engine.counters["orders_rejected"][CLIENT] == 1
