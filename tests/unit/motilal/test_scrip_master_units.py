"""The scrip master's units: the client reads, and the simulator writes, what the docs say."""

from datetime import date
from decimal import Decimal

import pytest
from motilal.models import ScripRow
from motilal_sim.scrip_csv import expiry_seconds, tick_in_paisa

# Doc 27's sample: "BANKNIFTY 03-Feb-2022 PE 32300" has expirydate 1328365800, tick ₹0.05.
_SAMPLE = {
    "exchange": "2", "exchangename": "NSEFO", "scripcode": "35020",
    "scripname": "BANKNIFTY 03-Feb-2022 PE 32300", "marketlot": "25",
    "scripshortname": "BANKNIFTY", "issuspended": "N", "instrumentname": "OPTIDX",
    "expirydate": "1328365800", "strikeprice": "32300", "optiontype": "PE", "ticksize": "5",
}  # fmt: skip


def test_the_documented_sample_row() -> None:
    row = ScripRow.from_row(_SAMPLE)
    assert (row.token, row.expiry, row.tick_size, row.strike, row.lot_size) == (
        35020, date(2022, 2, 3), Decimal("0.05"), Decimal(32300), 25,
    )  # fmt: skip


@pytest.mark.parametrize("value", ["0", "", " 0 "])
def test_zero_or_empty_expiry_is_no_expiry(value: str) -> None:
    assert ScripRow.from_row(_SAMPLE | {"expirydate": value}).expiry is None


def test_a_currency_tick_below_one_paisa_keeps_its_fraction() -> None:
    assert ScripRow.from_row(_SAMPLE | {"ticksize": "0.25"}).tick_size == Decimal("0.0025")


@pytest.mark.parametrize(
    ("field", "value"),
    [("expirydate", "03-Feb-2022"), ("expirydate", "-60"), ("expirydate", "1.5"),
     ("scripcode", ""), ("scripcode", "abc"), ("marketlot", "2.5"), ("ticksize", "five")],
)  # fmt: skip
def test_a_value_motilal_does_not_send_names_its_field(field: str, value: str) -> None:
    with pytest.raises(ValueError, match=field):
        ScripRow.from_row(_SAMPLE | {field: value})


def test_the_simulator_writes_the_documented_units() -> None:
    assert expiry_seconds(date(2022, 2, 3)) == "1328365800"
    assert expiry_seconds(None) == "0"
    assert tick_in_paisa(Decimal("0.05")) == "5"
    assert tick_in_paisa(Decimal("0.10")) == "10"
    assert tick_in_paisa(Decimal("0.0025")) == "0.25"
