"""Feed packets folded into quotes, and conflation of quotes per token."""

import asyncio
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from common.contracts.quotes import Quote
from common.enums import Exchange
from market_data.quotes.conflator import Conflator
from market_data.quotes.quote_book import QuoteBook
from motilal.feed import codec

T0 = datetime(2026, 3, 2, 4, 0, tzinfo=UTC)


def _ltp(token: int, price: str, at: datetime = T0, exchange: str = "NSE") -> codec.LtpTick:
    return codec.LtpTick(exchange, token, at, Decimal(price), 10, 5000, Decimal(price), 0)


def _quote(token: int, price: str) -> Quote:
    return Quote(
        token=token,
        exchange=Exchange.NSE,
        ltp=Decimal(price),
        low=Decimal("12"),
        quoted_at=T0,
        correlation_id=f"quote:{token}",
        actor="test",
    )


def test_book_depth_before_any_trade_gives_no_quote() -> None:
    book = QuoteBook()
    depth = codec.DepthTick("NSE", 2885, T0, 1, Decimal("100.00"), 5, 1, Decimal("100.10"), 7, 2)
    assert book.apply(depth) is None


def test_book_folds_ltp_depth_and_ohlc_into_one_quote() -> None:
    book = QuoteBook()
    book.apply(_ltp(2885, "1480.50"))
    book.apply(
        codec.DepthTick("NSE", 2885, T0, 1, Decimal("1480.45"), 5, 1, Decimal("1480.55"), 7, 2)
    )
    later = T0 + timedelta(seconds=1)
    quote = book.apply(
        codec.OhlcTick(
            "NSE", 2885, later, Decimal("1470"), Decimal("1490"), Decimal("1465"), Decimal("1475")
        )
    )
    assert quote is not None
    assert (quote.token, quote.exchange, quote.ltp) == (2885, Exchange.NSE, Decimal("1480.50"))
    assert (quote.bid, quote.ask, quote.volume) == (Decimal("1480.45"), Decimal("1480.55"), 5000)
    assert (quote.open, quote.high, quote.low, quote.close) == (
        Decimal("1470"), Decimal("1490"), Decimal("1465"), Decimal("1475"),
    )  # fmt: skip
    assert quote.quoted_at == later


def test_book_index_value_is_the_last_price() -> None:
    quote = QuoteBook().apply(codec.IndexTick("NSE", 26000, T0, Decimal("26012.35")))
    assert quote is not None and quote.ltp == Decimal("26012.35")


def test_book_empty_book_side_is_absent_not_zero() -> None:
    book = QuoteBook()
    book.apply(_ltp(1, "10"))
    quote = book.apply(codec.DepthTick("NSE", 1, T0, 1, Decimal(0), 0, 0, Decimal("10.05"), 3, 1))
    assert quote is not None and quote.bid is None and quote.ask == Decimal("10.05")


def test_book_deeper_levels_and_unknown_exchanges_change_nothing() -> None:
    book = QuoteBook()
    book.apply(_ltp(1, "10"))
    level2 = codec.DepthTick("NSE", 1, T0, 2, Decimal("9.9"), 1, 1, Decimal("10.1"), 1, 1)
    assert book.apply(level2) is None
    assert book.apply(_ltp(5, "10", exchange="NCDEX")) is None


def test_book_keeps_nse_and_nsefo_of_same_code_apart() -> None:
    book = QuoteBook()
    book.apply(_ltp(40000, "100", exchange="NSE"))
    quote = book.apply(_ltp(40000, "200", exchange="NSEFO"))
    assert quote is not None and quote.exchange == Exchange.NSEFO and quote.ltp == Decimal("200")


async def test_conflator_flushes_each_changed_token_once_with_its_latest_quote() -> None:
    book, conflator = QuoteBook(), Conflator()
    for price in ("1", "2", "3"):
        key = book.fold(_ltp(7, price))
        assert key is not None
        conflator.mark(key)
    other = book.fold(_ltp(8, "50"))
    assert other is not None
    conflator.mark(other)
    await asyncio.wait_for(conflator.wait(), 1)  # a change wakes the flusher at once
    drained = {key[1]: book.quote(key) for key in conflator.drain()}
    assert {token: q.ltp for token, q in drained.items() if q} == {
        7: Decimal("3"),
        8: Decimal("50"),
    }
    assert conflator.replaced == 2
    assert conflator.drain() == []


async def test_conflator_after_drain_sleeps_until_the_next_change() -> None:
    book, conflator = QuoteBook(), Conflator()
    conflator.mark(book.put(_quote(9, "12.5")))
    conflator.drain()
    waiter = asyncio.create_task(conflator.wait())
    await asyncio.sleep(0)
    assert not waiter.done()  # nothing changed: the flusher stays parked
    key = book.fold(_ltp(9, "12.55"))
    assert key is not None
    conflator.mark(key)
    await asyncio.wait_for(waiter, 1)
    (only,) = [book.quote(k) for k in conflator.drain()]
    assert only is not None and only.ltp == Decimal("12.55") and only.low == Decimal("12")


def test_book_rest_quote_is_kept_and_feed_packets_fold_on_top() -> None:
    book = QuoteBook()
    key = book.put(_quote(9, "12.5"))
    assert key == (Exchange.NSE, 9)
    quote = book.apply(
        codec.DepthTick("NSE", 9, T0, 1, Decimal("12.4"), 1, 1, Decimal("12.6"), 1, 1)
    )
    assert quote is not None
    assert (quote.ltp, quote.bid, quote.ask, quote.low) == (
        Decimal("12.5"), Decimal("12.4"), Decimal("12.6"), Decimal("12"))  # fmt: skip
