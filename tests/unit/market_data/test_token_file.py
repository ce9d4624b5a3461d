"""Reading the token CSV: every bad row named by line, field and reason; nothing half-loaded."""

from decimal import Decimal
from pathlib import Path

import pytest
from common.enums import Exchange
from market_data.instruments.token_file import TokenFileError, parse_token_csv

HEADER = (
    "symbol,token_id,exchange,instrument_type,lot_size,tick_size,name,lower_circuit,upper_circuit"
)
GOOD = "RELIANCE,2885,NSE,EQ,1,0.05,Reliance Industries Ltd,1332.00,1628.00"


def _problems(text: str) -> list[str]:
    with pytest.raises(TokenFileError) as caught:
        parse_token_csv(text, "data/tokens.csv")
    return caught.value.lines()


def test_parse_shipped_file_loads_every_row() -> None:
    path = Path(__file__).resolve().parents[3] / "data" / "tokens.csv"
    records = parse_token_csv(path.read_text(), "data/tokens.csv")
    exchanges = {r.exchange for r in records}
    assert len(records) >= 50
    assert {Exchange.NSE, Exchange.BSE, Exchange.NSEFO} <= exchanges
    assert any(not r.tradeable for r in records)


def test_parse_good_row_gives_typed_record() -> None:
    (record,) = parse_token_csv(f"{HEADER}\n{GOOD}\n")
    assert record.symbol == "RELIANCE"
    assert record.token == 2885
    assert record.exchange is Exchange.NSE
    assert record.tick_size == Decimal("0.05")
    assert record.upper_circuit == Decimal("1628.00")
    assert record.tradeable


def test_parse_seed_format_without_optional_columns_uses_symbol_as_name() -> None:
    text = "symbol,token_id,exchange,instrument_type,lot_size,tick_size\nTCS,11536,NSE,EQ,1,0.05\n"
    (record,) = parse_token_csv(text)
    assert record.name == "TCS"
    assert record.lower_circuit is None


def test_parse_bad_lot_size_names_line_field_and_reason() -> None:
    text = f"{HEADER}\n{GOOD}\nTCS,11536,NSE,EQ,x,0.05,TCS,,\n"
    assert _problems(text) == ["data/tokens.csv line 3: lot_size 'x' is not a whole number"]


def test_parse_several_bad_rows_reports_all_and_loads_none() -> None:
    text = (
        f"{HEADER}\n"
        "A,abc,NSE,EQ,1,0.05,,,\n"
        f"{GOOD}\n"
        "B,12,NSX,EQ,0,0,,,\n"
        "C,13,NSE,EQ,1,0.05,,500,400\n"
    )
    assert _problems(text) == [
        "data/tokens.csv line 2: token_id 'abc' is not a whole number",
        "data/tokens.csv line 4: exchange 'NSX' is not one of NSE, BSE, NSEFO, NSECD, MCX, BSEFO",
        "data/tokens.csv line 4: lot_size '0' must be greater than 0",
        "data/tokens.csv line 4: tick_size '0' must be a number greater than 0",
        "data/tokens.csv line 5: lower_circuit 500 is above upper_circuit 400",
    ]


def test_parse_duplicate_token_on_same_exchange_points_at_first_line() -> None:
    # The seed's bug: NIFTY50 and BANKNIFTY both with 26009.
    text = f"{HEADER}\nNIFTY50,26009,NSE,INDEX,1,0.05,,,\nBANKNIFTY,26009,NSE,INDEX,1,0.05,,,\n"
    assert _problems(text) == ["data/tokens.csv line 3: token_id 26009 on NSE is already on line 2"]


def test_parse_same_token_on_two_exchanges_is_allowed() -> None:
    text = f"{HEADER}\n{GOOD}\nOTHER,2885,BSE,EQ,1,0.05,,,\n"
    assert len(parse_token_csv(text)) == 2


def test_parse_missing_column_is_reported_on_line_1() -> None:
    text = "symbol,token_id,exchange,instrument_type,tick_size\nA,1,NSE,EQ,0.05\n"
    assert _problems(text) == [
        "data/tokens.csv line 1: missing column lot_size (the header must include "
        "symbol, token_id, exchange, instrument_type, lot_size, tick_size)"
    ]


def test_parse_row_with_too_few_fields_says_how_many() -> None:
    text = f"{HEADER}\nA,1,NSE,EQ,1\n"
    assert _problems(text) == ["data/tokens.csv line 2: expected 9 fields, found 5"]


def test_parse_row_with_too_many_fields_says_how_many() -> None:
    text = f"{HEADER}\n{GOOD},extra\n"
    assert _problems(text) == ["data/tokens.csv line 2: expected 9 fields, found 10"]


def test_parse_line_numbers_count_blank_lines() -> None:
    text = f"{HEADER}\n{GOOD}\n\n\nTCS,11536,NSE,EQ,1,abc,,,\n"
    assert _problems(text) == ["data/tokens.csv line 5: tick_size 'abc' is not a number"]


def test_parse_empty_file_and_header_only_are_refused() -> None:
    assert "the file is empty" in _problems("")[0]
    assert _problems(f"{HEADER}\n") == ["data/tokens.csv line 1: the file has a header but no rows"]


def test_error_message_lists_problems_and_says_nothing_loaded() -> None:
    with pytest.raises(TokenFileError) as caught:
        parse_token_csv(f"{HEADER}\nA,1,NSE,EQ,x,0.05,,,\n", "data/tokens.csv")
    assert str(caught.value) == (
        "data/tokens.csv line 2: lot_size 'x' is not a whole number\nnothing was loaded"
    )
    (problem,) = caught.value.problems
    assert (problem.line, problem.field) == (2, "lot_size")


def test_parse_freeze_quantity_column_is_optional_and_a_whole_number() -> None:
    header = f"{HEADER},freeze_quantity"
    rows = (
        "NIFTY26DECFUT,62151,NSEFO,FUTIDX,65,0.10,NIFTY FUT,23760,29040,1800\n"
        "RELIANCE26DECFUT,62201,NSEFO,FUTSTK,500,0.05,RELIANCE FUT,,,\n"
    )
    nifty, reliance = parse_token_csv(f"{header}\n{rows}")
    assert nifty.freeze_quantity == 1800 and nifty.details().freeze_quantity == 1800
    assert reliance.freeze_quantity is None
    assert _problems(f"{header}\nX,1,NSEFO,FUTIDX,65,0.10,X,,,1.5e3\n") == [
        "data/tokens.csv line 2: freeze_quantity '1.5e3' is not a whole number"
    ]


def test_parse_shipped_file_has_the_nse_index_freeze_quantities() -> None:
    path = Path(__file__).resolve().parents[3] / "data" / "tokens.csv"
    freezes = {r.symbol: r.freeze_quantity for r in parse_token_csv(path.read_text())}
    assert freezes["NIFTY26DECFUT"] == 1800 and freezes["NIFTY26DEC27500CE"] == 1800
    assert freezes["BANKNIFTY26DECFUT"] == 900
    assert freezes["RELIANCE"] is None
