"""The binary broadcast feed's wire format (reference C.1), as pure functions.

Outbound: a 114-byte login packet, 10-byte register packets and a 3-byte heartbeat reply.
Inbound: frames of one or more 30-byte little-endian packets; a packet may be split across
frames, so `PacketBuffer` keeps the remainder. Prices are float32 rupees on the wire.
"""

import logging
import struct
from collections.abc import Callable
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from decimal import Decimal

from motilal.units import IST

log = logging.getLogger("motilal.feed.codec")

LOGIN_STRUCT = struct.Struct("<cHB15sB30sBBBB10sBBBBB45s")
REGISTER_STRUCT = struct.Struct("<cHcciB")
HEARTBEAT_REPLY = struct.pack("<cH", b"1", 0)
HEADER_STRUCT = struct.Struct("<ciic")
PACKET_SIZE = 30

_LTP = struct.Struct("<fiifi")
_DEPTH = struct.Struct("<fihfih")
_OHLC = struct.Struct("<ffff4x")
_DPR = struct.Struct("<ff12x")
_INDEX = struct.Struct("<f16x")
_OI = struct.Struct("<iii8x")
_EPOCH = datetime(1980, 1, 1, tzinfo=IST)

# Motilal exchange name -> (feed exchange char, segment char). NSE and NSEFO share 'N'.
EXCHANGE_CODES: dict[str, tuple[str, str]] = {
    "NSE": ("N", "C"),
    "BSE": ("B", "C"),
    "NSEFO": ("N", "D"),
    "NSECD": ("C", "D"),
    "MCX": ("M", "D"),
    "NCDEX": ("D", "D"),
    "BSEFO": ("G", "D"),
}
DEPTH_TYPES = "BCDEF"


@dataclass(frozen=True, slots=True)
class LoginPacket:
    client_code: str
    version: str


@dataclass(frozen=True, slots=True)
class RegisterPacket:
    exchange_char: str
    segment_char: str
    token: int
    add: bool


@dataclass(frozen=True, slots=True)
class Tick:
    """Header fields every inbound packet has."""

    exchange: str
    token: int
    time: datetime


@dataclass(frozen=True, slots=True)
class LtpTick(Tick):
    ltp: Decimal
    last_qty: int
    volume: int
    average_price: Decimal
    open_interest: int


@dataclass(frozen=True, slots=True)
class DepthTick(Tick):
    level: int
    bid: Decimal
    bid_qty: int
    bid_orders: int
    ask: Decimal
    ask_qty: int
    ask_orders: int


@dataclass(frozen=True, slots=True)
class OhlcTick(Tick):
    open: Decimal
    high: Decimal
    low: Decimal
    prev_close: Decimal


@dataclass(frozen=True, slots=True)
class CircuitTick(Tick):
    upper: Decimal
    lower: Decimal


@dataclass(frozen=True, slots=True)
class IndexTick(Tick):
    value: Decimal


@dataclass(frozen=True, slots=True)
class OpenInterestTick(Tick):
    open_interest: int
    oi_high: int
    oi_low: int


@dataclass(frozen=True, slots=True)
class Heartbeat(Tick):
    pass


@dataclass(frozen=True, slots=True)
class UnknownTick(Tick):
    """Types 'X', 'g', 'z', 'Y', 'M' arrive too and are undocumented; kept, not guessed at."""

    message_type: str
    body: bytes


FeedPacket = (
    LtpTick
    | DepthTick
    | OhlcTick
    | CircuitTick
    | IndexTick
    | OpenInterestTick
    | Heartbeat
    | UnknownTick
)
ExchangeResolver = Callable[[str, int], str]


def _pad(text: str, width: int) -> bytes:
    return text.encode("ascii").ljust(width, b" ")[:width]


def encode_login(client_code: str, version: str = "VER 2.0", *, relogin: bool = False) -> bytes:
    code = client_code.upper()
    return LOGIN_STRUCT.pack(
        b"q" if relogin else b"Q",
        LOGIN_STRUCT.size - 3,
        len(code),
        _pad(code, 15),
        len(code),
        _pad(code, 30),
        1,
        1,
        1,
        len(version),
        _pad(version, 10),
        0,
        0,
        0,
        0,
        1,
        b" " * 45,
    )


def decode_login(data: bytes) -> LoginPacket:
    if len(data) != LOGIN_STRUCT.size or data[:1] not in (b"Q", b"q"):
        raise ValueError(f"login packet: expected {LOGIN_STRUCT.size} bytes starting with Q")
    fields = LOGIN_STRUCT.unpack(data)
    code = fields[3][: fields[2]].decode("ascii")
    version = fields[10][: fields[9]].decode("ascii")
    return LoginPacket(client_code=code, version=version)


def encode_register(exchange: str, token: int, *, add: bool = True) -> bytes:
    if exchange not in EXCHANGE_CODES:
        raise ValueError(
            f"exchange {exchange!r} has no feed code; use one of {list(EXCHANGE_CODES)}"
        )
    exch, seg = EXCHANGE_CODES[exchange]
    return REGISTER_STRUCT.pack(b"D", 7, exch.encode(), seg.encode(), token, 1 if add else 0)


def decode_register(data: bytes) -> RegisterPacket:
    if len(data) != REGISTER_STRUCT.size or data[:1] != b"D":
        raise ValueError(f"register packet: expected {REGISTER_STRUCT.size} bytes starting with D")
    _, _, exch, seg, token, flag = REGISTER_STRUCT.unpack(data)
    return RegisterPacket(exch.decode(), seg.decode(), token, bool(flag))


def exchange_name(exchange_char: str, segment_char: str) -> str:
    for name, codes in EXCHANGE_CODES.items():
        if codes == (exchange_char, segment_char):
            return name
    raise ValueError(f"no exchange for feed codes {exchange_char!r}/{segment_char!r}")


def default_resolver(exchange_char: str, token: int) -> str:
    """The SDK's guess when nothing was registered: NSE cash codes are small numbers."""
    if exchange_char == "N":
        return "NSE" if token <= 34999 or 888801 <= token <= 888820 else "NSEFO"
    for name, (char, _) in EXCHANGE_CODES.items():
        if char == exchange_char:
            return name
    return exchange_char


def feed_seconds(moment: datetime) -> int:
    return int((moment - _EPOCH).total_seconds())


def feed_time(seconds: int) -> datetime:
    return (_EPOCH + timedelta(seconds=seconds)).astimezone(UTC)


CURRENCY_EXCHANGES = frozenset({"NSECD"})
"""Segments priced in quarter paisa (USDINR ticks 0.0025): their prices keep 4 decimals."""


def price_places(exchange: str) -> int:
    return 4 if exchange in CURRENCY_EXCHANGES else 2


def _money(value: float, places: int = 2) -> Decimal:
    # float32 keeps ~7 digits: two decimals is exact for every equity and index price level,
    # four for currency pairs (a rupee or two hundred with 4 places is still 6-7 digits).
    return Decimal(f"{value:.{places}f}")


def _header(exchange: str, token: int, time: datetime, kind: str) -> bytes:
    char = EXCHANGE_CODES[exchange][0] if exchange in EXCHANGE_CODES else exchange[:1]
    return HEADER_STRUCT.pack(char.encode(), token, feed_seconds(time), kind.encode())


def encode_packet(packet: FeedPacket) -> bytes:
    """The 30-byte wire form of a packet (used by the simulator and by tests)."""
    p = packet
    if isinstance(p, LtpTick):
        kind, body = (
            "A",
            _LTP.pack(float(p.ltp), p.last_qty, p.volume, float(p.average_price), p.open_interest),
        )
    elif isinstance(p, DepthTick):
        kind = DEPTH_TYPES[p.level - 1]
        body = _DEPTH.pack(
            float(p.bid), p.bid_qty, p.bid_orders, float(p.ask), p.ask_qty, p.ask_orders
        )
    elif isinstance(p, OhlcTick):
        kind, body = (
            "G",
            _OHLC.pack(float(p.open), float(p.high), float(p.low), float(p.prev_close)),
        )
    elif isinstance(p, CircuitTick):
        kind, body = "W", _DPR.pack(float(p.upper), float(p.lower))
    elif isinstance(p, IndexTick):
        kind, body = "H", _INDEX.pack(float(p.value))
    elif isinstance(p, OpenInterestTick):
        kind, body = "m", _OI.pack(p.open_interest, p.oi_high, p.oi_low)
    elif isinstance(p, Heartbeat):
        kind, body = "1", bytes(20)
    else:
        kind, body = p.message_type, p.body.ljust(20, b"\0")[:20]
    return _header(p.exchange, p.token, p.time, kind) + body


def decode_packet(raw: bytes, resolve: ExchangeResolver = default_resolver) -> FeedPacket:
    if len(raw) != PACKET_SIZE:
        raise ValueError(f"feed packet: expected {PACKET_SIZE} bytes, got {len(raw)}")
    exch_b, token, seconds, kind_b = HEADER_STRUCT.unpack_from(raw)
    exch, kind = exch_b.decode("latin-1"), kind_b.decode("latin-1")
    exchange = resolve(exch, token)
    head = (exchange, token, feed_time(seconds))
    body = raw[HEADER_STRUCT.size :]
    places = price_places(exchange)

    def money(value: float) -> Decimal:
        return _money(value, places)

    if kind == "A":
        rate, qty, volume, avg, oi = _LTP.unpack(body)
        return LtpTick(*head, money(rate), qty, volume, money(avg), oi)
    if kind in DEPTH_TYPES:
        bid, bq, bo, ask, aq, ao = _DEPTH.unpack(body)
        level = DEPTH_TYPES.index(kind) + 1
        return DepthTick(*head, level, money(bid), bq, bo, money(ask), aq, ao)
    if kind == "G":
        o, h, lo, c = _OHLC.unpack(body)
        return OhlcTick(*head, money(o), money(h), money(lo), money(c))
    if kind == "W":
        upper, lower = _DPR.unpack(body)
        return CircuitTick(*head, money(upper), money(lower))
    if kind == "H":
        return IndexTick(*head, money(_INDEX.unpack(body)[0]))
    if kind == "m":
        return OpenInterestTick(*head, *_OI.unpack(body))
    if kind == "1":
        return Heartbeat(*head)
    return UnknownTick(*head, kind, body)


def split_packets(buffer: bytes) -> tuple[list[bytes], bytes]:
    """Whole 30-byte packets from the front of `buffer`, and the incomplete remainder."""
    whole = len(buffer) - len(buffer) % PACKET_SIZE
    packets = [buffer[i : i + PACKET_SIZE] for i in range(0, whole, PACKET_SIZE)]
    return packets, buffer[whole:]


class PacketBuffer:
    """Joins frames into packets: a frame may hold several packets or part of one."""

    def __init__(self, resolve: ExchangeResolver = default_resolver) -> None:
        self._pending = b""
        self._resolve = resolve
        self.skipped = 0

    def feed(self, frame: bytes) -> list[FeedPacket]:
        """The frame's whole packets; an undecodable one is logged and skipped, not the frame."""
        packets, self._pending = split_packets(self._pending + frame)
        decoded: list[FeedPacket] = []
        for raw in packets:
            try:
                decoded.append(decode_packet(raw, self._resolve))
            except (ValueError, struct.error, OverflowError) as error:
                self.skipped += 1
                log.warning("feed packet skipped: %s", error)
        return decoded

    def reset(self) -> None:
        self._pending = b""
