"""portfolio.updates.v1 messages become portfolio:{client_id} hub messages, conflated."""

import json
from decimal import Decimal

from common.contracts.portfolio import MarginChanged, PnlChanged, PositionChanged
from factories import make
from gateway.live import Hub, Outbox
from gateway.portfolio_client import PortfolioClient
from gateway.portfolio_feed import PortfolioFeed, update_message


def test_update_message_keys_positions_by_id_and_pnl_margin_by_kind() -> None:
    position = make(PositionChanged, client_id="c1", position_id="p9")
    client, key, payload = update_message(position) or ("", "", {})
    assert (client, key, payload["type"]) == ("c1", "position:p9", "position")
    assert payload["channel"] == "portfolio:c1" and payload["data"]["trade_id"] == "p9"
    assert update_message(make(PnlChanged, client_id="c1"))[1] == "pnl"  # type: ignore[index]
    assert update_message(make(MarginChanged, client_id="c1"))[1] == "margin"  # type: ignore[index]


async def test_feed_conflates_position_updates_for_a_slow_socket() -> None:
    hub = Hub()
    feed = PortfolioFeed(hub, PortfolioClient(None))  # type: ignore[arg-type]
    hub.add_kind("portfolio", "test")
    outbox = Outbox()
    await hub.subscribe(outbox, "portfolio:c1")
    for qty in (1, 2, 3):
        await feed.handle([make(PositionChanged, client_id="c1", position_id="p1",
                                net_quantity=qty, buy_quantity=qty,
                                buy_value=Decimal(qty * 2500))])  # fmt: skip
    await feed.handle([make(PositionChanged, client_id="other", position_id="p2")])
    (only,) = await outbox.take()
    assert json.loads(only)["data"]["net_quantity"] == 3
