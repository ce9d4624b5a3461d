from datetime import UTC, datetime
from decimal import Decimal

import pytest
from motilal.auth import next_expiry, password_hash
from motilal.tags import is_valid_tag, tag_for
from motilal.units import (
    InvalidQuantity,
    descale,
    format_time,
    paisa_to_rupees,
    parse_time,
    to_lots,
)


def test_paisa_to_rupees_divides_by_hundred_exactly() -> None:
    assert paisa_to_rupees(148005) == Decimal("1480.05")


def test_descale_uses_precision_and_defaults_to_two() -> None:
    assert descale(278400, 2) == Decimal("2784.00")
    assert descale(27840000, 4) == Decimal("2784.0000")
    assert descale(278400, None) == Decimal("2784.00")
    assert descale(278400, 0) == Decimal("2784.00")


def test_to_lots_whole_lots_returns_lot_count() -> None:
    assert to_lots(130, 65, "NIFTY26DECFUT") == 2
    assert to_lots(7, 1) == 7


def test_to_lots_partial_lot_names_quantity_lot_and_symbol() -> None:
    with pytest.raises(
        InvalidQuantity, match="quantity 7 is not a multiple of lot size 5 for NIFTY26DECFUT"
    ):
        to_lots(7, 5, "NIFTY26DECFUT")


def test_to_lots_zero_quantity_is_refused() -> None:
    with pytest.raises(InvalidQuantity, match="must be positive"):
        to_lots(0, 1, "INFY")


def test_parse_time_reads_ist_and_returns_utc() -> None:
    assert parse_time("23-Nov-2026 09:15:00") == datetime(2026, 11, 23, 3, 45, tzinfo=UTC)
    assert parse_time("0") is None
    assert format_time(datetime(2026, 11, 23, 3, 45, tzinfo=UTC)) == "23-Nov-2026 09:15:00"


def test_format_time_naive_datetime_is_refused() -> None:
    with pytest.raises(ValueError, match="timezone-aware"):
        format_time(datetime(2026, 1, 1))


def test_password_hash_is_sha256_of_password_then_key() -> None:
    # doc 08's example: password "abc" with key "123" hashes "abc123"
    assert password_hash("abc", "123") == (
        "6ca13d52ca70c883e0f0bb101e425a89e8624de51db2d2392593af6a84118090"
    )


def test_next_expiry_is_next_six_am_ist() -> None:
    morning = datetime(2026, 11, 23, 0, 0, tzinfo=UTC)  # 05:30 IST
    assert next_expiry(morning) == datetime(2026, 11, 23, 0, 30, tzinfo=UTC)
    later = datetime(2026, 11, 23, 1, 0, tzinfo=UTC)  # 06:30 IST
    assert next_expiry(later) == datetime(2026, 11, 24, 0, 30, tzinfo=UTC)


def test_tag_for_is_deterministic_ten_alphanumerics() -> None:
    order_id = "0b8f7e1c-3a6d-4e0f-9c2b-7d5e4f3a2b10"
    tag = tag_for(order_id)
    assert tag == tag_for(order_id)
    assert len(tag) == 10 and is_valid_tag(tag)


def test_tag_for_distinct_uuids_give_distinct_tags() -> None:
    import uuid

    tags = {tag_for(str(uuid.uuid4())) for _ in range(2000)}
    assert len(tags) == 2000


def test_tag_for_non_uuid_id_still_gives_valid_tag() -> None:
    assert is_valid_tag(tag_for("order-42"))


def test_is_valid_tag_refuses_long_or_special() -> None:
    assert not is_valid_tag("ABCDEFGHIJK")
    assert not is_valid_tag("AB-12")
