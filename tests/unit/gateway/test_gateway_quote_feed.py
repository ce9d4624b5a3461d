"""The gateway's quote feed: marketdata.quotes.v1 batches become `quotes:` channel frames."""

import json
from decimal import Decimal

from common.contracts.quotes import Quote
from common.enums import Exchange
from factories import make
from gateway.live import Hub, Outbox
from gateway.quote_feed import QuoteFeed


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
