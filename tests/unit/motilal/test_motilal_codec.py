import struct
from datetime import UTC, datetime
from decimal import Decimal

import pytest
from motilal.feed import codec

NOW = datetime(2026, 11, 23, 4, 15, 30, tzinfo=UTC)


def _ltp(token: int = 2885, price: str = "1480.05") -> codec.LtpTick:
    return codec.LtpTick("NSE", token, NOW, Decimal(price), 25, 120_000, Decimal("1479.50"), 0)


def test_login_packet_matches_the_sdk_layout_and_round_trips() -> None:
    raw = codec.encode_login("emum7551")
    assert len(raw) == 114
    fields = struct.unpack("=cHB15sB30sBBBB10sBBBBB45s", raw)
    assert fields[0] == b"Q" and fields[1] == 111
    assert fields[2] == 8 and fields[3] == b"EMUM7551".ljust(15)
    assert fields[4] == 8 and fields[5] == b"EMUM7551".ljust(30)
    assert fields[6:9] == (1, 1, 1)
    assert fields[9] == 7 and fields[10] == b"VER 2.0".ljust(10)
    assert fields[11:16] == (0, 0, 0, 0, 1) and fields[16] == b" " * 45
    assert codec.decode_login(raw) == codec.LoginPacket("EMUM7551", "VER 2.0")


def test_login_packet_relogin_starts_with_lower_q() -> None:
    assert codec.encode_login("A1", relogin=True)[:1] == b"q"


def test_register_packet_is_ten_bytes_and_round_trips() -> None:
    raw = codec.encode_register("NSEFO", 62151)
    assert len(raw) == 10
    assert struct.unpack("=cHcciB", raw) == (b"D", 7, b"N", b"D", 62151, 1)
    assert codec.decode_register(codec.encode_register("BSE", 500325, add=False)) == (
        codec.RegisterPacket("B", "C", 500325, False)
    )


def test_register_unknown_exchange_names_the_allowed_ones() -> None:
    with pytest.raises(ValueError, match="NFO"):
        codec.encode_register("NFO", 1)


def test_heartbeat_reply_is_three_bytes() -> None:
    assert codec.HEARTBEAT_REPLY == b"1\x00\x00"


@pytest.mark.parametrize(
    "packet",
    [
        _ltp(),
        codec.DepthTick("NSE", 1594, NOW, 3, Decimal("1560.10"), 40, 3, Decimal("1560.20"), 75, 5),
        codec.OhlcTick(
            "BSE", 500325, NOW, Decimal("1470"), Decimal("1490.5"), Decimal("1466"), Decimal("1480")
        ),
        codec.CircuitTick("NSE", 2885, NOW, Decimal("1628.00"), Decimal("1332.00")),
        codec.IndexTick("NSE", 26000, NOW, Decimal("26012.35")),
        codec.OpenInterestTick("NSEFO", 62151, NOW, 1_250_000, 1_300_000, 1_100_000),
        codec.Heartbeat("NSE", 0, NOW),
        codec.UnknownTick("NSE", 11536, NOW, "X", bytes(range(20))),
    ],
    ids=lambda p: type(p).__name__,
)
def test_packet_encode_decode_round_trips(packet: codec.FeedPacket) -> None:
    raw = codec.encode_packet(packet)
    assert len(raw) == 30
    assert codec.decode_packet(raw) == packet


def test_ltp_packet_body_is_little_endian_float_and_ints() -> None:
    raw = codec.encode_packet(_ltp())
    exch, token, _, kind = struct.unpack_from("<ciic", raw)
    rate, qty, volume, _avg, _oi = struct.unpack_from("<fiifi", raw, 10)
    assert (exch, token, kind) == (b"N", 2885, b"A")
    assert round(rate, 2) == 1480.05 and qty == 25 and volume == 120_000


def test_feed_time_counts_seconds_from_1980_ist() -> None:
    assert codec.feed_time(0) == datetime(1979, 12, 31, 18, 30, tzinfo=UTC)
    assert codec.feed_time(codec.feed_seconds(NOW)) == NOW


def test_buffer_frame_with_several_packets_yields_all_in_order() -> None:
    frame = b"".join(codec.encode_packet(_ltp(t)) for t in (2885, 11536, 1594))
    packets = codec.PacketBuffer().feed(frame)
    assert [p.token for p in packets] == [2885, 11536, 1594]


def test_buffer_packet_split_across_frames_is_joined() -> None:
    raw = codec.encode_packet(_ltp()) + codec.encode_packet(_ltp(1594, "1560.00"))
    buffer = codec.PacketBuffer()
    assert buffer.feed(raw[:17]) == []
    first = buffer.feed(raw[17:41])
    assert [p.token for p in first] == [2885]
    second = buffer.feed(raw[41:])
    assert isinstance(second[0], codec.LtpTick) and second[0].ltp == Decimal("1560.00")


def test_split_packets_returns_incomplete_remainder() -> None:
    packets, rest = codec.split_packets(bytes(65))
    assert len(packets) == 2 and rest == bytes(5)


def test_default_resolver_tells_nse_cash_from_derivatives_by_code() -> None:
    assert codec.default_resolver("N", 2885) == "NSE"
    assert codec.default_resolver("N", 62151) == "NSEFO"
    assert codec.default_resolver("B", 500325) == "BSE"


def test_decode_packet_wrong_size_says_expected_size() -> None:
    with pytest.raises(ValueError, match="expected 30 bytes, got 29"):
        codec.decode_packet(bytes(29))


def test_currency_prices_keep_four_decimals_equity_two() -> None:
    moment = NOW
    usdinr = codec.LtpTick("NSECD", 772, moment, Decimal("88.1225"), 1, 10, Decimal("88.1175"), 0)
    dabur = codec.LtpTick("NSE", 772, moment, Decimal("510.05"), 1, 10, Decimal("509.95"), 0)
    cd = codec.decode_packet(
        codec.encode_packet(usdinr),
        lambda char, _: codec.exchange_name(char, "D" if char == "C" else "C"),
    )
    nse = codec.decode_packet(codec.encode_packet(dabur))
    assert isinstance(cd, codec.LtpTick) and isinstance(nse, codec.LtpTick)
    assert (cd.exchange, cd.ltp, cd.average_price) == (
        "NSECD",
        Decimal("88.1225"),
        Decimal("88.1175"),
    )
    assert (nse.exchange, nse.ltp) == ("NSE", Decimal("510.05"))
