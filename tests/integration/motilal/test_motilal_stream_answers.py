"""The order stream against a server that misbehaves the way a real one can: an odd frame in
the middle, and a socket that goes silent without closing (issue 12, item 9).

The server here is a plain local WebSocket server scripted per test (the simulator never
sends a bad frame or hangs a socket open); the client is the real one.
"""

import asyncio
import json
from collections.abc import AsyncIterator, Awaitable, Callable
from contextlib import asynccontextmanager

from motilal.feed.orders import OrderStream
from motilal.models import Order
from websockets.asyncio.server import ServerConnection, serve

Script = Callable[[ServerConnection, int], Awaitable[None]]
ORDER_ROW = {
    "uniqueorderid": "100000000001", "clientid": "EMUM7551", "exchange": "NSE",
    "symboltoken": 2885, "buyorsell": "Buy", "ordertype": "Limit", "producttype": "Delivery",
    "orderstatus": "Confirm", "orderqty": 10, "qtytradedtoday": 0, "totalqtyremaining": 10,
    "price": 1470.05, "tag": "ABC123    ", "entrydatetime": "23-Nov-2026 09:15:00",
    "lastmodifiedtime": "0",
}  # fmt: skip


@asynccontextmanager
async def scripted(script: Script) -> AsyncIterator[str]:
    """A local stream server: reads the auth and subscribe messages, then runs `script`
    with the connection's number (1 for the first)."""
    connections = 0

    async def handle(ws: ServerConnection) -> None:
        nonlocal connections
        connections += 1
        for _ in range(3):  # auth, OrderSubscribe, TradeSubscribe
            await ws.recv()
        await script(ws, connections)

    async with serve(handle, "127.0.0.1", 0) as server:
        port = server.sockets[0].getsockname()[1]
        yield f"ws://127.0.0.1:{port}/ws"


def _stream(url: str, **options: object) -> OrderStream:
    return OrderStream(url, "EMUM7551", "key", lambda: "token", heartbeat_seconds=60, **options)  # type: ignore[arg-type]


async def test_order_stream_odd_frames_are_skipped_and_the_next_arrives() -> None:
    async def script(ws: ServerConnection, _: int) -> None:
        await ws.send("not json")
        await ws.send(json.dumps([1, 2]))
        await ws.send(json.dumps({**ORDER_ROW, "uniqueorderid": "1", "orderqty": "ten"}))
        await ws.send(json.dumps({**ORDER_ROW, "uniqueorderid": "2"}))
        await ws.wait_closed()

    async with scripted(script) as url:
        stream = _stream(url)
        updates = stream.updates()
        update = await asyncio.wait_for(anext(updates), 10)
        await stream.close()
        await updates.aclose()
    assert isinstance(update, Order) and update.unique_order_id == "2"
    assert stream.skipped_frames == 3 and stream.connects == 1


async def test_order_stream_silent_socket_is_reconnected_after_idle_timeout() -> None:
    async def script(ws: ServerConnection, number: int) -> None:
        if number == 1:
            await ws.wait_closed()  # open but silent: no frame, no close
            return
        await ws.send(json.dumps({**ORDER_ROW, "uniqueorderid": "after-reconnect"}))
        await ws.wait_closed()

    async with scripted(script) as url:
        stream = _stream(url, idle_seconds=0.5)
        updates = stream.updates()
        update = await asyncio.wait_for(anext(updates), 20)
        await stream.close()
        await updates.aclose()
    assert isinstance(update, Order) and update.unique_order_id == "after-reconnect"
    assert stream.connects == 2
