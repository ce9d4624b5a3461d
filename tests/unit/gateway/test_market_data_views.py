"""The gateway's typed views of market-data's answers give them back unchanged."""

import json
from decimal import Decimal
from typing import Any

from common.contracts.instruments import InstrumentDetails
from common.enums import Exchange
from gateway.market_data_views import ReloadOutcome, TokenMatch

SBIN = InstrumentDetails(
    token=3045, exchange=Exchange.NSE, symbol="SBIN", lot_size=1, tick_size=Decimal("0.05"),
    name="STATE BANK OF INDIA", instrument_type="EQ", tradeable=True,
    lower_circuit=Decimal("850.10"), upper_circuit=Decimal("1039.00"),
)  # fmt: skip


def wire(answer: Any) -> Any:
    return json.loads(json.dumps(answer))


def test_market_data_views_instrument_and_match_give_back_the_answer() -> None:
    answer = wire(SBIN.model_dump(mode="json"))
    assert InstrumentDetails.model_validate(answer).model_dump(mode="json") == answer
    match = wire({**answer, "match": "exact_symbol"})
    view = TokenMatch.model_validate(match)
    assert (view.exchange, view.match) == (Exchange.NSE, "exact_symbol")
    assert view.model_dump(mode="json") == match


def test_market_data_views_reload_gives_back_the_answer() -> None:
    answer = {"load_id": 7, "source": "file", "exchanges": ["NSE", "BSE"], "rows": 120,
              "instruments": 118}  # fmt: skip
    assert ReloadOutcome.model_validate(answer).as_json() == answer
