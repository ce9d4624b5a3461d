"""Private market-data processes for feed tests (see conftest.py for why private).

Feed tests take the simulator down and move prices, so they run their own simulator (not
the session's shared one) and their own market-data processes, each on its own Redis
database so their quotes and watch sets cannot mix with other tests'.
"""

import asyncio
import base64
import contextlib
import os
import socket
import struct
import subprocess
import sys
import tempfile
import time
from collections.abc import Iterator, Mapping
from dataclasses import dataclass
from pathlib import Path
from urllib.parse import urlsplit

import httpx
from common.internal_auth import internal_headers
from stack.testing import TestStack, free_port


@dataclass(frozen=True)
class MarketDataProcess:
    url: str
    redis_url: str
    headers: dict[str, str]  # the internal API's token
    log_path: Path

    def log(self) -> str:
        return self.log_path.read_text(errors="replace")


def _redis_db(url: str, db: int) -> str:
    return url.rsplit("/", 1)[0] + f"/{db}"


@contextlib.contextmanager
def market_data_process(
    stack: TestStack, redis_db: int, env: Mapping[str, str]
) -> Iterator[MarketDataProcess]:
    port = free_port()
    redis_url = _redis_db(stack.redis_url, redis_db)
    child_env = {
        **os.environ,
        **stack.service_env("market-data"),
        "MARKET_DATA_PORT": str(port),
        "REDIS_URL": redis_url,
        "MARKET_DATA_FEED_BACKOFF_MAX_SECONDS": "1",
        "MARKET_DATA_POLL_INTERVAL_SECONDS": "0.5",
        # a feed of its own: the session stack's market-data runs the shared one
        "MARKET_DATA_FEED_LOCK_NAME": f"test-feed-{port}",
        **env,
    }
    log = Path(tempfile.mkstemp(prefix="market-data-", suffix=".log")[1])
    with log.open("wb") as out:
        process = subprocess.Popen(
            [sys.executable, "-m", "market_data"],
            env=child_env,
            stdout=out,
            stderr=subprocess.STDOUT,
        )
    url = f"http://127.0.0.1:{port}"
    try:
        # Generous: on a loaded CI machine a cold start (migrations, Kafka) can take a while.
        deadline = time.monotonic() + 180
        last = "no answer"
        while True:
            if process.poll() is not None:
                raise RuntimeError(f"market-data exited:\n{log.read_text()[-3000:]}")
            with contextlib.suppress(httpx.HTTPError):
                ready = httpx.get(f"{url}/ready", timeout=5)
                if ready.status_code == 200:
                    break
                last = ready.text
            if time.monotonic() > deadline:
                raise TimeoutError(f"market-data not ready ({last}):\n{log.read_text()[-3000:]}")
            time.sleep(0.2)
        yield MarketDataProcess(
            url, redis_url, internal_headers(child_env["INTERNAL_API_TOKEN"]), log
        )
    finally:
        process.terminate()
        try:
            process.wait(timeout=10)
        except subprocess.TimeoutExpired:
            process.kill()
            process.wait()


class RawWebSocket:
    """A minimal WebSocket client that reads only when asked: a truly slow client.

    Library clients keep reading into memory in the background, so a test "not reading"
    would never push back on the server. Here the kernel receive buffer is tiny and asyncio's
    reader pauses at a few KB, so a client that does not read stalls the server's sends.
    """

    def __init__(self, reader: asyncio.StreamReader, writer: asyncio.StreamWriter) -> None:
        self.reader = reader
        self.writer = writer

    @classmethod
    async def connect(cls, url: str) -> "RawWebSocket":
        parts = urlsplit(url)
        raw = socket.socket()
        raw.setsockopt(socket.SOL_SOCKET, socket.SO_RCVBUF, 4096)
        raw.connect((parts.hostname or "127.0.0.1", parts.port or 80))
        raw.setblocking(False)
        reader, writer = await asyncio.open_connection(sock=raw, limit=4096)
        key = base64.b64encode(os.urandom(16)).decode()
        path = parts.path + (f"?{parts.query}" if parts.query else "")
        writer.write(
            f"GET {path} HTTP/1.1\r\nHost: {parts.netloc}\r\nUpgrade: websocket\r\n"
            f"Connection: Upgrade\r\nSec-WebSocket-Key: {key}\r\n"
            "Sec-WebSocket-Version: 13\r\n\r\n".encode()
        )
        await writer.drain()
        head = await reader.readuntil(b"\r\n\r\n")
        if b" 101 " not in head.split(b"\r\n", 1)[0]:
            raise ConnectionError(head.decode(errors="replace"))
        return cls(reader, writer)

    async def send(self, text: str) -> None:
        payload = text.encode()
        header = bytearray([0x81])
        if len(payload) < 126:
            header.append(0x80 | len(payload))
        elif len(payload) < 1 << 16:
            header += bytes([0x80 | 126]) + struct.pack("!H", len(payload))
        else:
            header += bytes([0x80 | 127]) + struct.pack("!Q", len(payload))
        mask = os.urandom(4)
        masked = bytes(b ^ mask[i % 4] for i, b in enumerate(payload))
        self.writer.write(bytes(header) + mask + masked)
        await self.writer.drain()

    async def recv(self) -> str:
        """The next text message (control frames are skipped)."""
        while True:
            first, second = await self.reader.readexactly(2)
            length = second & 0x7F
            if length == 126:
                (length,) = struct.unpack("!H", await self.reader.readexactly(2))
            elif length == 127:
                (length,) = struct.unpack("!Q", await self.reader.readexactly(8))
            payload = await self.reader.readexactly(length)
            if first & 0x0F == 0x1:
                return payload.decode()

    def close(self) -> None:
        self.writer.close()
