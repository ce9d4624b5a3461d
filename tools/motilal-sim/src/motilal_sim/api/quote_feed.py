"""The binary broadcast feed (reference C.1): login packet, register packets, 30-byte ticks."""

import asyncio
import random
from datetime import UTC, datetime

from fastapi import APIRouter, WebSocket, WebSocketDisconnect
from motilal.feed import codec
from motilal.paths import FEED_PATH

from motilal_sim.market import Quote
from motilal_sim.state import SimState

router = APIRouter()


def quote_packets(quote: Quote) -> bytes:
    """Everything a subscriber sees for one price change, in one frame of several packets."""
    inst, now = quote.instrument, quote.time
    head = (inst.exchange, inst.token, now)
    if not inst.tradeable:
        return codec.encode_packet(codec.IndexTick(*head, quote.ltp))
    packets: list[codec.FeedPacket] = [
        codec.LtpTick(*head, quote.ltp, quote.last_qty, quote.volume, quote.average_price, 0),
        codec.DepthTick(*head, 1, quote.bid, 100, 3, quote.ask, 120, 4),
        codec.OhlcTick(*head, quote.open, quote.high, quote.low, quote.prev_close),
    ]
    return b"".join(codec.encode_packet(p) for p in packets)


def snapshot_packets(quote: Quote) -> bytes:
    inst = quote.instrument
    frame = quote_packets(quote)
    if inst.tradeable and inst.upper_circuit is not None and inst.lower_circuit is not None:
        dpr = codec.CircuitTick(
            inst.exchange, inst.token, quote.time, inst.upper_circuit, inst.lower_circuit
        )
        frame += codec.encode_packet(dpr)
    return frame


def _heartbeat() -> bytes:
    return codec.encode_packet(codec.Heartbeat("N", 0, datetime.now(UTC)))


@router.websocket(FEED_PATH)
async def quote_feed(ws: WebSocket) -> None:
    state: SimState = ws.app.state.sim
    await ws.accept()
    if state.faults.down:
        await ws.close(code=1013)
        return
    ws.app.state.sockets.add(ws)
    queue: asyncio.Queue[bytes] = asyncio.Queue()
    subscribed: set[tuple[str, int]] = set()
    splitter = random.Random(state.settings.seed)

    def listener(quote: Quote) -> None:
        if quote.instrument.key in subscribed:
            queue.put_nowait(quote_packets(quote))

    async def pump() -> None:
        while True:
            frame = await queue.get()
            if state.engine.feed_split_frames and len(frame) > 1:
                cut = splitter.randrange(1, len(frame))
                await ws.send_bytes(frame[:cut])
                frame = frame[cut:]
            await ws.send_bytes(frame)

    async def beat() -> None:
        while True:
            await asyncio.sleep(state.settings.feed_heartbeat_seconds)
            queue.put_nowait(_heartbeat())

    tasks: list[asyncio.Task[None]] = []
    state.engine.quote_listeners.append(listener)
    try:
        while True:
            data = await ws.receive_bytes()
            head = data[:1]
            if head in (b"Q", b"q") and len(data) == codec.LOGIN_STRUCT.size:
                codec.decode_login(data)
                if not tasks:
                    tasks = [asyncio.create_task(pump()), asyncio.create_task(beat())]
                    queue.put_nowait(_heartbeat())  # the first binary frame: logged in
            elif head == b"D" and len(data) == codec.REGISTER_STRUCT.size:
                reg = codec.decode_register(data)
                key = _resolve(state, reg)
                if key is None:
                    continue
                if reg.add:
                    subscribed.add(key)
                    queue.put_nowait(snapshot_packets(state.engine.market.quotes[key]))
                else:
                    subscribed.discard(key)
            # Heartbeat replies ('1' + uint16 0) and anything else need no answer.
    except (WebSocketDisconnect, RuntimeError):
        pass
    finally:
        for task in tasks:
            task.cancel()
        state.engine.quote_listeners.remove(listener)
        ws.app.state.sockets.discard(ws)


def _resolve(state: SimState, reg: codec.RegisterPacket) -> tuple[str, int] | None:
    try:
        exchange = codec.exchange_name(reg.exchange_char, reg.segment_char)
    except ValueError:
        return None
    key = (exchange, reg.token)
    return key if key in state.engine.market.quotes else None
