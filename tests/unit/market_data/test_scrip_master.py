"""Motilal scrip-master rows become token-master records with the desk's symbols."""

from datetime import date
from decimal import Decimal

from common.enums import Exchange
from market_data.scrip_master import records_from_scrips
from motilal.models import ScripRow


def _row(**overrides: object) -> ScripRow:
    fields: dict[str, object] = {
        "exchange": "NSE", "token": 1594, "name": "INFY EQ", "short_name": "INFY",
        "full_name": "Infosys Ltd", "isin": "INE009A01021", "instrument": "EQ", "expiry": None,
        "strike": Decimal(0), "option_type": "", "lot_size": 1, "tick_size": Decimal("0.05"),
        "suspended": False,
    }  # fmt: skip
    return ScripRow(**(fields | overrides))  # type: ignore[arg-type]


def test_cash_row_drops_series_suffix_and_keeps_full_name() -> None:
    (record,) = records_from_scrips(Exchange.NSE, [_row()])
    assert (record.symbol, record.name, record.instrument_type) == ("INFY", "Infosys Ltd", "EQ")


def test_future_and_option_get_compact_symbols() -> None:
    expiry = date(2026, 12, 29)
    future = _row(token=62151, name="NIFTY 29-Dec-2026 FUT", short_name="NIFTY",
                  instrument="FUTIDX", expiry=expiry, lot_size=65)  # fmt: skip
    option = _row(token=70001, name="NIFTY 29-Dec-2026 CE 24000", short_name="NIFTY",
                  instrument="OPTIDX", expiry=expiry, strike=Decimal("24000.00"),
                  option_type="CE", lot_size=65)  # fmt: skip
    records = records_from_scrips(Exchange.NSEFO, [future, option])
    assert [(r.symbol, r.lot_size) for r in records] == [
        ("NIFTY26DECFUT", 65),
        ("NIFTY26DEC24000CE", 65),
    ]


def test_suspended_and_repeated_rows_are_left_out() -> None:
    records = records_from_scrips(
        Exchange.NSE, [_row(), _row(name="OTHER EQ"), _row(token=2, suspended=True)]
    )
    assert [(r.token, r.symbol) for r in records] == [(1594, "INFY")]
