"""Portfolio updates for the live hub, from portfolio.updates.v1.

Channel `portfolio:{client_id}`: the client's PositionChanged (conflated per position),
PnlChanged (conflated to the latest) and MarginChanged (latest). A new subscriber first
gets the client's open positions and summary from the portfolio service.

Every gateway replica reads the topic with its OWN consumer group from the latest offset,
so each replica can push every update to the sockets it holds.
"""

import logging
from collections.abc import Sequence
from typing import Any

from common.contracts.envelope import Message
from common.contracts.portfolio import MarginChanged, PnlChanged, PositionChanged
from common.enums import PositionStatus
from common.service import ServiceRuntime
from common.topics import PORTFOLIO_UPDATES

from gateway.live import Hub, consume_live
from gateway.peers import peers_of
from gateway.portfolio_client import PortfolioClient

log = logging.getLogger(__name__)

KIND = "portfolio"


def _wrap(client_id: str, kind: str, data: dict[str, Any]) -> dict[str, Any]:
    return {"channel": f"{KIND}:{client_id}", "type": kind, "data": data}


def update_message(message: Message) -> tuple[str, str, dict[str, Any]] | None:
    """(client_id, conflation key, hub message) for one portfolio update."""
    body = message.model_dump(mode="json", exclude={"schema_version", "causation_id"})
    if isinstance(message, PositionChanged):
        body["trade_id"] = message.position_id
        return message.client_id, f"position:{message.position_id}", _wrap(
            message.client_id, "position", body)  # fmt: skip
    if isinstance(message, PnlChanged):
        return message.client_id, "pnl", _wrap(message.client_id, "pnl", body)
    if isinstance(message, MarginChanged):
        return message.client_id, "margin", _wrap(message.client_id, "margin", body)
    return None


class PortfolioFeed:
    def __init__(self, hub: Hub, portfolio: PortfolioClient) -> None:
        self.hub = hub
        self.portfolio = portfolio

    async def handle(self, messages: Sequence[Message]) -> None:
        for message in messages:
            found = update_message(message)
            if found is None:
                continue
            client_id, key, payload = found
            self.hub.publish(f"{KIND}:{client_id}", key, payload)

    async def snapshot(self, client_id: str) -> list[tuple[str, dict[str, Any]]]:
        positions = await self.portfolio.positions(
            client_id=client_id, status=PositionStatus.ACTIVE
        )
        first: list[tuple[str, dict[str, Any]]] = [
            (f"position:{p.position_id}", _wrap(client_id, "position", p.as_trade()))
            for p in positions
        ]
        summaries = await self.portfolio.summaries([client_id])
        if summaries:
            first.append(("pnl", _wrap(client_id, "summary", summaries[0].as_json())))
        return first


def install(runtime: ServiceRuntime, hub: Hub) -> PortfolioFeed:
    """Register the `portfolio` channel kind and this replica's consumer of the updates."""
    feed = PortfolioFeed(hub, PortfolioClient(peers_of(runtime).portfolio))
    hub.add_kind(
        KIND,
        "one client's positions, P&L and margin as they change; id = client_id",
        snapshot=feed.snapshot,
    )
    consume_live(
        runtime,
        PORTFOLIO_UPDATES,
        feed.handle,
        # keyed by client_id: a client no socket watches is skipped unparsed (its P&L
        # moves every second while prices do; parsing it for no one was the idle cost)
        wants=lambda _type, client_id: hub.has_subscribers(f"{KIND}:{client_id}"),
    )
    return feed
