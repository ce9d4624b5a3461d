"""Search ranking: exact symbol > symbol prefix > token > name words; cash markets first."""

import pytest
from common.enums import Exchange
from instrument_factories import record
from market_data.instruments.master import AmbiguousToken, InstrumentMaster, UnknownToken
from market_data.instruments.search import Match

MASTER = InstrumentMaster(
    [
        record("SBIN", 3045, name="State Bank of India"),
        record("SBIN", 500112, Exchange.BSE, name="State Bank of India"),
        record("SBICARD", 17971, name="SBI Cards and Payment Services Ltd"),
        record("SBILIFE", 21808, name="SBI Life Insurance Company Ltd"),
        record("BANKBARODA", 4668, name="Bank of Baroda"),
        record("RELIANCE", 2885, name="Reliance Industries Ltd"),
        record("RELIANCE", 500325, Exchange.BSE, name="Reliance Industries Ltd"),
        record("RELIANCE26DECFUT", 62201, Exchange.NSEFO, "RELIANCE 29-Dec-2026 FUT", "FUTSTK"),
        record("RELIANCE26DEC1500CE", 70001, Exchange.NSEFO, "RELIANCE OPT", "OPTSTK"),
        record("RELIGARE", 2885_0, name="Religare Enterprises Ltd"),
        record("NIFTY", 26000, name="NIFTY 50", instrument_type="INDEX"),
        record("BANKNIFTY", 26009, name="NIFTY BANK", instrument_type="INDEX"),
        record("TATASTEEL", 3499, name="Tata Steel Ltd"),
        record("M&M", 2031, name="Mahindra & Mahindra Ltd"),
        record("TWENTY", 2885_1, name="A company whose token starts like RELIANCE's"),
    ]
)


def _found(query: str, limit: int = 20) -> list[tuple[str, str, Match]]:
    return [
        (h.record.symbol, h.record.exchange.value, h.match) for h in MASTER.search(query, limit)
    ]


def test_search_exact_symbol_ranks_before_longer_prefixes() -> None:
    assert _found("sbin")[:2] == [
        ("SBIN", "NSE", Match.EXACT_SYMBOL),
        ("SBIN", "BSE", Match.EXACT_SYMBOL),
    ]


def test_search_symbol_prefix_gives_shorter_symbols_first() -> None:
    assert _found("REL") == [
        ("RELIANCE", "NSE", Match.SYMBOL_PREFIX),
        ("RELIANCE", "BSE", Match.SYMBOL_PREFIX),
        ("RELIGARE", "NSE", Match.SYMBOL_PREFIX),
        ("RELIANCE26DECFUT", "NSEFO", Match.SYMBOL_PREFIX),
        ("RELIANCE26DEC1500CE", "NSEFO", Match.SYMBOL_PREFIX),
        ("TWENTY", "NSE", Match.NAME),  # its name has the word "RELIANCE's"
    ]


def test_search_token_number_exact_before_token_prefix() -> None:
    assert _found("2885") == [
        ("RELIANCE", "NSE", Match.TOKEN),
        ("RELIGARE", "NSE", Match.TOKEN),
        ("TWENTY", "NSE", Match.TOKEN),
    ]


def test_search_name_words_match_in_any_order_after_symbols() -> None:
    assert _found("bank of") == [
        ("SBIN", "NSE", Match.NAME),
        ("SBIN", "BSE", Match.NAME),
        ("BANKBARODA", "NSE", Match.NAME),
    ]
    assert _found("india state")[0] == ("SBIN", "NSE", Match.NAME)


def test_search_symbol_prefix_outranks_name_word() -> None:
    results = _found("bank")
    assert results[0] == ("BANKNIFTY", "NSE", Match.SYMBOL_PREFIX)
    assert results[1] == ("BANKBARODA", "NSE", Match.SYMBOL_PREFIX)
    assert ("SBIN", "NSE", Match.NAME) in results[2:]


def test_search_spaces_in_symbol_query_are_ignored() -> None:
    assert _found("tata steel")[0] == ("TATASTEEL", "NSE", Match.EXACT_SYMBOL)


def test_search_symbols_with_punctuation_are_found() -> None:
    assert _found("m&m")[0] == ("M&M", "NSE", Match.EXACT_SYMBOL)


def test_search_limit_and_no_duplicates() -> None:
    results = _found("s", limit=3)
    assert len(results) == 3
    all_results = MASTER.search("sbi", 50)
    assert len({(h.record.exchange, h.record.token) for h in all_results}) == len(all_results)


def test_search_nothing_matching_or_blank_gives_empty() -> None:
    assert _found("zzzz") == []
    assert _found("   ") == []


def test_get_token_on_two_exchanges_without_exchange_is_ambiguous() -> None:
    master = InstrumentMaster([record("AAA", 42), record("BBB", 42, Exchange.BSE)])
    with pytest.raises(AmbiguousToken, match="token 42 is listed on NSE and BSE"):
        master.get(42)
    assert master.get(42, Exchange.BSE).symbol == "BBB"
    assert [r.exchange for r in master.listings(42)] == [Exchange.NSE, Exchange.BSE]


def test_get_unknown_token_names_it() -> None:
    with pytest.raises(UnknownToken, match="unknown token 999"):
        MASTER.get(999)
    with pytest.raises(UnknownToken, match="unknown token 2885 on BSE"):
        MASTER.get(2885, Exchange.BSE)
