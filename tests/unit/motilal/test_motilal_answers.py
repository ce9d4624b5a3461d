"""What Motilal's answers mean: one rule (motilal.errors.classify) for every call."""

import struct
from datetime import UTC, datetime, timedelta

import pyotp
import pytest
from motilal.auth import next_totp, totp_code
from motilal.envelope import parse_rows
from motilal.errors import (
    Answer,
    BrokerRejected,
    BrokerUnavailable,
    LoginFailed,
    RateLimited,
    SessionExpired,
    UnknownOutcome,
    classify,
    error_for,
    login_error_for,
)
from motilal.feed.codec import PACKET_SIZE, LtpTick, PacketBuffer
from motilal.feed.orders import parse_frame
from motilal.models import Order, Trade
from test_motilal_models import ORDER_ROW

UNKNOWN_ON_WRITE = ["MO8000", "MO5000", "MO5001", "MO5002", "MO5003", "", "MO7777", "100018"]
REFUSED = ["MO1050", "MO1058", "MO1059", "MO1066", "MO1067", "MO1073", "MO1074", "MO9002"]
SESSION = ["MO8001", "MO8002", "MO8003", "MO2007"]


@pytest.mark.parametrize("code", UNKNOWN_ON_WRITE)
def test_error_for_write_without_definitive_code_is_unknown_outcome(code: str) -> None:
    error = error_for(code, "Technical Error", operation="place_order", write=True)
    assert isinstance(error, UnknownOutcome)
    assert error.operation == "place_order" and error.code == code


@pytest.mark.parametrize("code", [*REFUSED, "M01108", "MO2035"])
def test_error_for_documented_refusal_is_rejection_on_write(code: str) -> None:
    assert isinstance(error_for(code, "no", operation="place_order", write=True), BrokerRejected)


@pytest.mark.parametrize("code", SESSION)
def test_error_for_session_codes_are_session_expired(code: str) -> None:
    assert isinstance(error_for(code, "token", write=True), SessionExpired)
    assert isinstance(error_for(code, "token"), SessionExpired)


def test_error_for_sdk_authorization_text_without_code_is_session_expired() -> None:
    for text in ("Authorization is InVaild In Header Parameter",
                 "Authorization is Invalid In Header Parameter"):  # fmt: skip
        assert classify("", text) is Answer.SESSION
        assert isinstance(error_for("", text, write=True), SessionExpired)


def test_error_for_read_with_transient_code_is_unavailable_and_rate_limit_is_rate() -> None:
    assert isinstance(error_for("MO8000", "Technical Error"), BrokerUnavailable)
    assert isinstance(error_for("MO5002", "network"), BrokerUnavailable)
    assert isinstance(error_for("MO9001", "too many", write=True), RateLimited)
    assert isinstance(error_for("MO1060", "no such order"), BrokerRejected)


def test_login_error_for_transient_is_retryable_and_refusal_is_login_failed() -> None:
    assert isinstance(login_error_for("MO8000", "Technical Error"), BrokerUnavailable)
    assert isinstance(login_error_for("MO5001", "connectivity"), BrokerUnavailable)
    for code in ("MO1000", "MO1100", "MO2035", "MO1093"):
        assert isinstance(login_error_for(code, "no"), LoginFailed)


def test_order_modify_stamp_falls_back_insert_then_entry_then_none() -> None:
    row = {**ORDER_ROW, "lastmodifiedtime": "0", "recordinserttime": "23-Nov-2026 09:15:02"}
    assert Order.from_row(row).modify_stamp == "23-Nov-2026 09:15:02"
    row = {**ORDER_ROW, "lastmodifiedtime": "0", "recordinserttime": "0"}
    assert Order.from_row(row).modify_stamp == "23-Nov-2026 09:15:00"
    row = {**ORDER_ROW, "lastmodifiedtime": "0", "entrydatetime": "", "recordinserttime": None}
    assert Order.from_row(row).modify_stamp is None


def test_order_and_trade_tags_are_trimmed() -> None:
    assert Order.from_row({**ORDER_ROW, "tag": " "}).tag == ""
    assert Order.from_row({**ORDER_ROW, "tag": "ABC123   "}).tag == "ABC123"
    trade = {"tradeno": "1", "tradeprice": 100, "precision": 2, "tradeqty": 1,
             "buyorsell": "BUY", "symboltoken": 1, "tag": " X1 "}  # fmt: skip
    assert Trade.from_row(trade).tag == "X1"


def test_order_row_with_odd_timestamp_keeps_the_order() -> None:
    order = Order.from_row({**ORDER_ROW, "entrydatetime": "2026-11-23T09:15:00"})
    assert order.entry_time is None and order.unique_order_id == ORDER_ROW["uniqueorderid"]


def test_parse_rows_skips_one_odd_row_not_the_book() -> None:
    rows = [ORDER_ROW, {**ORDER_ROW, "buyorsell": "HOLD"}, {**ORDER_ROW, "orderqty": "ten"},
            {**ORDER_ROW, "uniqueorderid": "100000000002"}]  # fmt: skip
    parsed = parse_rows(rows, Order.from_row, "order book")
    assert [o.unique_order_id for o in parsed] == ["100000000001", "100000000002"]


def test_parse_frame_refuses_non_object_and_reads_orders() -> None:
    with pytest.raises(ValueError):
        parse_frame([1, 2])
    assert parse_frame({"action": "heartbeat", "status": "SUCCESS"}) is None
    update = parse_frame({**ORDER_ROW, "tag": "T1 "})
    assert isinstance(update, Order) and update.tag == "T1"


def test_packet_buffer_skips_an_undecodable_packet_keeps_the_rest() -> None:
    def ltp(exchange: bytes, token: int) -> bytes:
        header = struct.pack("<ciic", exchange, token, 0, b"A")
        return header + struct.pack("<fiifi", 100.5, 1, 10, 100.0, 0)

    def resolve(char: str, token: int) -> str:
        if char != "N":
            raise ValueError(f"no exchange for feed code {char!r}")
        return "NSE"

    good, bad = ltp(b"N", 2885), ltp(b"?", 2885)
    assert len(good) == PACKET_SIZE
    buffer = PacketBuffer(resolve)
    packets = buffer.feed(bad + good)
    assert len(packets) == 1 and isinstance(packets[0], LtpTick) and buffer.skipped == 1


def test_next_totp_is_the_next_code_in_the_same_window() -> None:
    secret = pyotp.random_base32()
    now = datetime.now(UTC)
    assert next_totp(secret, now) == totp_code(secret, now + timedelta(seconds=30))
    long_ago = now - timedelta(minutes=5)
    assert next_totp(secret, long_ago) == totp_code(secret, datetime.now(UTC))
