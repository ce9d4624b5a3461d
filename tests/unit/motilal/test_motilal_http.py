"""The pooled connections and the order stream over real loopback sockets: what "never
sent" means, what a lost answer is, and where a call leaves from."""

import asyncio
import socket
from collections.abc import AsyncIterator, Awaitable, Callable

import pytest
import websockets
from motilal import MotilalSettings
from motilal.feed.orders import OrderStream
from motilal.http import AnswerLost, MotilalHttp, NeverSent

Handler = Callable[[asyncio.StreamReader, asyncio.StreamWriter], Awaitable[None]]
_OK = b"HTTP/1.1 200 OK\r\nContent-Type: application/json\r\nContent-Length: 2\r\n\r\n{}"


async def _read_request(reader: asyncio.StreamReader) -> None:
    head = await reader.readuntil(b"\r\n\r\n")
    length = next(
        (int(line.split(b":")[1]) for line in head.split(b"\r\n")
         if line.lower().startswith(b"content-length:")),
        0,
    )  # fmt: skip
    await reader.readexactly(length)


@pytest.fixture
async def serve() -> AsyncIterator[Callable[[Handler], Awaitable[str]]]:
    servers: list[asyncio.Server] = []

    async def start(handler: Handler) -> str:
        server = await asyncio.start_server(handler, "127.0.0.1", 0)
        servers.append(server)
        return f"http://127.0.0.1:{server.sockets[0].getsockname()[1]}"

    yield start
    for server in servers:
        server.close()
        await server.wait_closed()


def _client(url: str, local_address: str | None = None) -> MotilalHttp:
    settings = MotilalSettings(base_url=url, connect_timeout=2, read_timeout=2)
    return MotilalHttp(settings, local_address=local_address)


PLACE = "/rest/trans/v1/placeorder"


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        return int(s.getsockname()[1])


async def test_nothing_listening_is_a_connect_error_nothing_was_sent() -> None:
    async with _client(f"http://127.0.0.1:{_free_port()}") as http:
        with pytest.raises(NeverSent):
            await http.post(PLACE, b"{}", {})


async def test_connection_dropped_after_the_request_is_not_a_connect_error(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    received = asyncio.Event()

    async def take_then_drop(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        received.set()
        writer.close()  # the order may exist now; the caller never learns it

    async with _client(await serve(take_then_drop)) as http:
        with pytest.raises(AnswerLost):
            await http.post(PLACE, b'{"quantity":1}', {})
    assert received.is_set()


async def test_an_answer_slower_than_the_read_timeout_is_lost_not_unsent(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    async def take_then_stall(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        await _read_request(reader)
        await asyncio.sleep(10)

    url = await serve(take_then_stall)
    settings = MotilalSettings(base_url=url, connect_timeout=2, read_timeout=0.3)
    async with MotilalHttp(settings) as http:
        with pytest.raises(AnswerLost, match="ReadTimeout"):
            await http.post(PLACE, b"{}", {})


async def test_callers_beyond_the_pool_wait_for_a_connection_without_timing_out(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    """Two connections, six callers answered after 0.2 s each: the last waits about 0.6 s
    for a connection, twice the read timeout, and still gets its answer."""
    open_at_once = 0
    most = 0

    async def slow_answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal open_at_once, most
        open_at_once += 1
        most = max(most, open_at_once)
        try:
            while True:
                await _read_request(reader)
                await asyncio.sleep(0.2)
                writer.write(_OK)
                await writer.drain()
        except asyncio.IncompleteReadError:
            pass
        finally:
            open_at_once -= 1
            writer.close()

    url = await serve(slow_answer)
    settings = MotilalSettings(base_url=url, connect_timeout=2, read_timeout=0.3, max_connections=2)
    async with MotilalHttp(settings) as http:
        answers = await asyncio.gather(*(http.post(PLACE, b"{}", {}) for _ in range(6)))
    assert [a.status for a in answers] == [200] * 6
    assert most == 2


async def test_calls_leave_from_the_given_local_address(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    peers: list[str] = []

    async def answer(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        peers.append(writer.get_extra_info("peername")[0])
        await _read_request(reader)
        writer.write(_OK)
        await writer.drain()
        writer.close()

    url = await serve(answer)
    async with _client(url, local_address="127.0.0.2") as own, _client(url) as default:
        assert (await own.post(PLACE, b"{}", {})).status == 200
        assert (await default.post(PLACE, b"{}", {})).status == 200
    assert peers == ["127.0.0.2", "127.0.0.1"]


async def test_the_order_stream_leaves_from_the_given_local_address() -> None:
    peers: list[str] = []
    seen = asyncio.Event()

    async def handler(ws: websockets.ServerConnection) -> None:
        peers.append(ws.remote_address[0])
        seen.set()
        await ws.wait_closed()

    async with websockets.serve(handler, "127.0.0.1", 0) as server:
        port = next(iter(server.sockets)).getsockname()[1]
        stream = OrderStream(
            f"ws://127.0.0.1:{port}/", "AB123", "key", lambda: "token", local_address="127.0.0.2"
        )
        reading = asyncio.create_task(anext(stream.updates(), None))
        await asyncio.wait_for(seen.wait(), 10)
        await stream.close()
        reading.cancel()
    assert peers == ["127.0.0.2"]


async def test_an_idle_connection_is_not_reused_after_the_idle_limit(
    serve: Callable[[Handler], Awaitable[str]],
) -> None:
    """Kept within the limit, dropped after it: never sent on one the server may be closing."""
    connections = 0

    async def keep_alive(reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        nonlocal connections
        connections += 1
        try:
            while True:
                await _read_request(reader)
                writer.write(_OK)
                await writer.drain()
        except asyncio.IncompleteReadError:
            writer.close()

    url = await serve(keep_alive)
    settings = MotilalSettings(base_url=url, idle_connection_seconds=0.3)
    async with MotilalHttp(settings) as http:
        await http.post(PLACE, b"{}", {})
        await http.post(PLACE, b"{}", {})
        assert connections == 1
        await asyncio.sleep(0.6)
        await http.post(PLACE, b"{}", {})
    assert connections == 2
