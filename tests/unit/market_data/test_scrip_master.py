"""Motilal scrip-master rows become token-master records with the desk's symbols."""

import csv
import io
import logging
from datetime import date
from decimal import Decimal

import pytest
from common.enums import Exchange
from market_data.instruments.scrip_master import parse_scrip_rows, records_from_scrips
from motilal.models import ScripRow
from prometheus_client import REGISTRY


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


# ---- Motilal's CSV as written (docs 27-28) ----------------------------------------------

# Doc 28's columns; the first row is doc 27's sample in the CSV's units (ticksize in paisa,
# expirydate in seconds since 1980-01-01: 1328365800 is 03-Feb-2022).
_HEADER = (
    "exchange,exchangename,scripcode,scripname,marketlot,scripshortname,issuspended,"
    "instrumentname,expirydate,strikeprice,optiontype,markettype,foexposurepercent,ticksize,"
    "scripisinno,indicesidentifier,isbanscrip,scripfullname,facevalue,calevel,maxqtyperorder"
)
_SAMPLE = (
    "2,NSEFO,35020,BANKNIFTY 03-Feb-2022 PE 32300,25,BANKNIFTY,N,OPTIDX,1328365800,32300,PE,"
    " ,0,5,,0,N,BANKNIFTY 03-Feb-2022 PE 32300,0,0,0"
)
_FUTURE = (
    "2,NSEFO,35001,BANKNIFTY 03-Feb-2022 FUT,25,BANKNIFTY,N,FUTIDX,1328365800,0,,"
    " ,0,5,,0,N,BANKNIFTY 03-Feb-2022 FUT,0,0,0"
)
# The expiry as a date text instead of seconds: not what Motilal sends.
_BAD_EXPIRY = (
    "2,NSEFO,35021,BANKNIFTY 03-Feb-2022 CE 32300,25,BANKNIFTY,N,OPTIDX,03-Feb-2022,32300,CE,"
    " ,0,5,,0,N,BANKNIFTY 03-Feb-2022 CE 32300,0,0,0"
)
_ZERO_TICK = (
    "2,NSEFO,35022,BANKNIFTY 03-Feb-2022 CE 32400,25,BANKNIFTY,N,OPTIDX,1328365800,32400,CE,"
    " ,0,0,,0,N,BANKNIFTY 03-Feb-2022 CE 32400,0,0,0"
)
_CASH = "1,NSE,1594,INFY EQ,1,INFY,N,EQ,0,0,, ,0,5,INE009A01021,0,N,Infosys Ltd,5,0,0"


def _csv_rows(*lines: str) -> list[dict[str, str]]:
    return list(csv.DictReader(io.StringIO("\n".join((_HEADER, *lines)) + "\n")))


def _skipped(exchange: str) -> float:
    labels = {"exchange": exchange}
    return REGISTRY.get_sample_value("market_data_scrip_rows_skipped_total", labels) or 0.0


def test_documented_sample_reads_expiry_from_1980_seconds_and_tick_from_paisa() -> None:
    (option, future) = parse_scrip_rows(Exchange.NSEFO, _csv_rows(_SAMPLE, _FUTURE))
    assert option.expiry == date(2022, 2, 3)
    assert option.tick_size == Decimal("0.05")
    assert option.strike == Decimal(32300)
    records = records_from_scrips(Exchange.NSEFO, [option, future])
    assert [(r.symbol, r.lot_size, r.tick_size) for r in records] == [
        ("BANKNIFTY22FEB32300PE", 25, Decimal("0.05")),
        ("BANKNIFTY22FEBFUT", 25, Decimal("0.05")),
    ]


def test_a_cash_row_has_no_expiry_when_motilal_writes_zero() -> None:
    (row,) = parse_scrip_rows(Exchange.NSE, _csv_rows(_CASH))
    assert row.expiry is None and row.tick_size == Decimal("0.05")
    assert records_from_scrips(Exchange.NSE, [row])[0].symbol == "INFY"


def test_bad_rows_are_skipped_counted_and_logged_alone(caplog: pytest.LogCaptureFixture) -> None:
    before = _skipped("NSEFO")
    with caplog.at_level(logging.WARNING, logger="market_data.instruments.scrip_master"):
        rows = parse_scrip_rows(
            Exchange.NSEFO, _csv_rows(_SAMPLE, _BAD_EXPIRY, _ZERO_TICK, _FUTURE)
        )
    assert [r.token for r in rows] == [35020, 35001]
    assert _skipped("NSEFO") == before + 2
    messages = [r.getMessage() for r in caplog.records]
    assert any("line 3 (scripcode 35021) skipped: expirydate" in m for m in messages)
    assert any("line 4 (scripcode 35022) skipped: ticksize" in m for m in messages)
    assert any("2 row(s) skipped, 2 loaded" in m for m in messages)
