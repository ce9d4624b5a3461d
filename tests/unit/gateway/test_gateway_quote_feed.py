"""The gateway's quote feed: marketdata.quotes.v1 batches become `quotes:` channel frames."""

import json
from decimal import Decimal

from common.contracts.quotes import Quote
from common.enums import Exchange
from factories import make
from gateway.live import Hub, Outbox
from gateway.quote_feed import QuoteFeed, parse_quote_channel


async def test_quote_batch_pushes_each_token_once_with_its_latest_price() -> None:
    hub = Hub()
    hub.add_kind("quotes", "test")
    feed = QuoteFeed(hub, None)  # type: ignore[arg-type]  # the runtime serves snapshots only
    bare, qualified = Outbox(), Outbox()
    await hub.subscribe(bare, "quotes:2885")
    await hub.subscribe(qualified, "quotes:NSE:2885")
    await feed.handle(
        [
            make(Quote, token=2885, exchange=Exchange.NSE, ltp=Decimal("1480.05")),
            make(Quote, token=2885, exchange=Exchange.NSE, ltp=Decimal("1480.10")),
            make(Quote, token=11536, exchange=Exchange.NSE, ltp=Decimal("3500")),
        ]
    )
    (frame,) = [json.loads(f) for f in await bare.take()]
    assert (frame["channel"], frame["type"], frame["data"]["ltp"]) == (
        "quotes:2885", "quote", "1480.10")  # fmt: skip
    (other,) = [json.loads(f) for f in await qualified.take()]
    assert other["channel"] == "quotes:NSE:2885" and other["data"]["ltp"] == "1480.10"


async def test_same_token_on_two_exchanges_reaches_only_its_own_channel() -> None:
    hub = Hub()
    hub.add_kind("quotes", "test")
    feed = QuoteFeed(hub, None)  # type: ignore[arg-type]  # the runtime serves snapshots only
    bare, cash, currency = Outbox(), Outbox(), Outbox()
    await hub.subscribe(bare, "quotes:772")
    await hub.subscribe(cash, "quotes:NSE:772")
    await hub.subscribe(currency, "quotes:NSECD:772")
    await feed.handle(
        [
            make(Quote, token=772, exchange=Exchange.NSE, ltp=Decimal("510.05")),
            make(Quote, token=772, exchange=Exchange.NSECD, ltp=Decimal("88.1225")),
        ]
    )
    (old,) = [json.loads(f) for f in await bare.take()]
    (nse,) = [json.loads(f) for f in await cash.take()]
    (cd,) = [json.loads(f) for f in await currency.take()]
    assert (old["channel"], old["data"]["exchange"], old["data"]["ltp"]) == (
        "quotes:772", "NSE", "510.05")  # fmt: skip
    assert (nse["data"]["exchange"], nse["data"]["ltp"]) == ("NSE", "510.05")
    assert (cd["channel"], cd["data"]["exchange"], cd["data"]["ltp"]) == (
        "quotes:NSECD:772", "NSECD", "88.1225")  # fmt: skip


def test_quote_channel_without_exchange_means_nse() -> None:
    assert parse_quote_channel("772") == (Exchange.NSE, 772)
    assert parse_quote_channel("nsecd:772") == (Exchange.NSECD, 772)
    assert parse_quote_channel("XYZ:772") is None and parse_quote_channel("0") is None
