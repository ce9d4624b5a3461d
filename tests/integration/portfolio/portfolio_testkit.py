"""What the portfolio's integration tests share: waiting for a positive signal (the one way
they wait, tests/waiting.py), a tap on portfolio.updates.v1, and the fills and quotes they
produce."""

import asyncio
import contextlib
import json
from decimal import Decimal
from typing import Any

import httpx
from aiokafka import AIOKafkaConsumer, AIOKafkaProducer
from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderFilled
from common.contracts.quotes import Quote
from common.enums import Side
from common.ids import new_id
from common.topics import ORDER_EVENTS, PORTFOLIO_UPDATES, QUOTES, Topic
from factories import RELIANCE, make
from waiting import wait_for as until

__all__ = ["Tap", "buy", "metric", "send", "tick", "unlisted", "until"]


def unlisted(token: int) -> Instrument:
    return RELIANCE.model_copy(update={"token": token, "symbol": f"TEST{token}"})


class Tap:
    """Every portfolio update of some clients, read in the background from the start."""

    def __init__(self, bootstrap: str, clients: set[str]) -> None:
        self.clients = clients
        self.seen: list[dict[str, Any]] = []
        self._consumer = AIOKafkaConsumer(
            PORTFOLIO_UPDATES.name,
            bootstrap_servers=bootstrap,
            auto_offset_reset="earliest",
            group_id=None,
        )
        self._task: asyncio.Task[None] | None = None

    async def __aenter__(self) -> "Tap":
        await self._consumer.start()
        self._task = asyncio.create_task(self._read())
        return self

    async def __aexit__(self, *_: object) -> None:
        if self._task:
            self._task.cancel()
            with contextlib.suppress(asyncio.CancelledError):
                await self._task
        await self._consumer.stop()

    async def _read(self) -> None:
        while True:
            for records in (await self._consumer.getmany(timeout_ms=200)).values():
                for r in records:
                    body = json.loads(r.value)
                    if body.get("client_id") in self.clients:
                        self.seen.append(body)

    def tick_pnl(self, client_id: str) -> list[dict[str, Any]]:
        """The client's P&L updates caused by quotes (not by its fills), oldest first."""
        return [
            u
            for u in self.seen
            if u["client_id"] == client_id and u["type"] == "pnl.changed"
            and u["actor"] == "portfolio"
        ]  # fmt: skip

    def of(self, client_id: str, kind: str) -> list[dict[str, Any]]:
        return [u for u in self.seen if u["client_id"] == client_id and u["type"] == kind]


async def send(producer: AIOKafkaProducer, topic: Topic, message: Message) -> None:
    await producer.send_and_wait(
        topic.name, message.model_dump_json().encode(), key=topic.key_of(message)
    )


async def buy(
    producer: AIOKafkaProducer,
    client: str,
    instrument: Instrument,
    qty: int,
    price: str,
    side: Side = Side.BUY,
) -> None:
    """A fill of a whole order of `client` (a sale with `side=Side.SELL`)."""
    trade_no = new_id()[:12]
    await send(
        producer,
        ORDER_EVENTS,
        make(OrderFilled, client_id=client, order_id=f"o-{trade_no}", trade_no=trade_no,
             instrument=instrument, side=side, quantity=qty, filled_quantity=qty,
             price=Decimal(price), correlation_id=f"batch-{client}"),
    )  # fmt: skip


async def tick(producer: AIOKafkaProducer, instrument: Instrument, ltp: str) -> None:
    await send(producer, QUOTES, make(Quote, token=instrument.token, ltp=Decimal(ltp)))


async def metric(http: httpx.AsyncClient, name: str, labels: str = "") -> float:
    wanted = f"{name}{{{labels}}}" if labels else name
    for line in (await http.get("/metrics")).text.splitlines():
        if line.startswith(wanted + " "):
            return float(line.split()[1])
    return 0.0
