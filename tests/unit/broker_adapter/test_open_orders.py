from dataclasses import replace
from datetime import UTC, date, datetime
from decimal import Decimal

from broker_adapter.execution.intents import Intent, IntentState
from broker_adapter.tracking.open_orders import BrokerKey, OpenOrders
from factories import make_intent
from motilal.models import Side as BrokerSide
from motilal.models import Trade

DAY1 = date(2026, 11, 30)
DAY2 = date(2026, 12, 1)


def key(uid: str, day: date = DAY1) -> BrokerKey:
    return BrokerKey("C1", "NSE", day, uid)


def intent(
    order_id: str, uid: str | None, state: IntentState = IntentState.PLACED, day: date = DAY1
) -> Intent:
    """A LIMIT buy of 10 SBIN for C1 the broker knows as `uid` (since `day`), or not yet."""
    return make_intent(
        order_id, state=state, broker_order_id=uid, trading_date=day if uid else None
    )


def trade(uid: str, trade_no: str, tag: str = "") -> Trade:
    return Trade(
        trade_no=trade_no, unique_order_id=uid, order_id="", client_code="C1", exchange="NSE",
        token=3045, symbol="SBIN", side=BrokerSide.BUY, product="VALUEPLUS", quantity=10,
        price=Decimal("800"), value=Decimal("8000"), lot_size=1,
        time=datetime(2026, 11, 30, 4, 0, tzinfo=UTC), tag=tag,
    )  # fmt: skip


def test_open_orders_frames_before_the_order_id_is_known_are_replayed_when_it_is() -> None:
    book = OpenOrders()
    early = trade("U1", "501")
    book.hold_early(key("U1"), early)
    book.hold_early(key("U9"), trade("U9", "502"))  # someone else's order: stays held
    assert book.track(intent("o1", "U1")) == [early]
    assert book.track(intent("o1", "U1")) == []  # replayed once, not twice


def test_open_orders_ended_order_is_still_found_by_broker_id_for_a_late_fill() -> None:
    book = OpenOrders()
    book.track(intent("o1", "U1"))
    book.end("C1", "o1")
    followed, is_open = book.by_uid(key("U1"))
    assert followed is not None and followed.intent.order_id == "o1"
    assert not is_open
    assert book.of("C1") == [] and book.clients() == []


def test_open_orders_unknown_outcome_is_found_by_tag_not_by_broker_id() -> None:
    book = OpenOrders()
    book.track(intent("o1", None, IntentState.UNKNOWN))
    assert book.by_uid(key("U1")) == (None, False)
    found = book.unknown_with_tag("C1", "To1")
    assert found is not None and found.intent.order_id == "o1"


def test_open_orders_refresh_never_lowers_the_filled_count() -> None:
    book = OpenOrders()
    book.track(replace(intent("o1", "U1"), filled_quantity=6))
    book.track(replace(intent("o1", "U1"), quantity=20))  # a modify read before the fills
    followed = book.find("C1", "o1")
    assert followed is not None
    assert followed.intent.quantity == 20
    assert followed.intent.filled_quantity == 6


def test_open_orders_yesterdays_ended_order_is_not_found_by_todays_same_broker_id() -> None:
    book = OpenOrders()
    book.track(intent("o1", "U1", day=DAY1))
    book.end("C1", "o1")
    assert book.by_uid(key("U1", DAY2)) == (None, False)
    followed, _ = book.by_uid(key("U1", DAY1))
    assert followed is not None and followed.intent.order_id == "o1"


def test_open_orders_todays_order_with_yesterdays_broker_id_is_found_as_todays() -> None:
    book = OpenOrders()
    book.track(intent("o1", "U1", day=DAY1))
    book.end("C1", "o1")
    book.track(intent("o2", "U1", day=DAY2))
    followed, is_open = book.by_uid(key("U1", DAY2))
    assert followed is not None and followed.intent.order_id == "o2" and is_open
    book.end("C1", "o2")
    yesterday, _ = book.by_uid(key("U1", DAY1))
    assert yesterday is not None and yesterday.intent.order_id == "o1"


def test_open_orders_row_tagged_for_another_order_is_not_taken_for_this_one() -> None:
    book = OpenOrders()
    book.track(intent("o1", "U1"))
    assert book.by_uid(key("U1"), "Tother") == (None, False)
    followed, _ = book.by_uid(key("U1"), " To1  ")  # Motilal pads the tag it echoes
    assert followed is not None and followed.intent.order_id == "o1"


def test_open_orders_early_frames_of_another_day_are_not_replayed() -> None:
    book = OpenOrders()
    book.hold_early(key("U1", DAY1), trade("U1", "501"))
    assert book.track(intent("o2", "U1", day=DAY2)) == []


def test_open_orders_placed_orders_of_earlier_days_are_found_for_ending() -> None:
    book = OpenOrders()
    book.track(intent("o1", "U1", day=DAY1))
    book.track(intent("o2", "U2", day=DAY2))
    book.track(intent("o3", None, IntentState.UNKNOWN))  # no broker id yet: reconciled by tag
    assert [f.intent.order_id for f in book.of_earlier_days("C1", DAY2)] == ["o1"]
    assert book.of_earlier_days("C1", DAY1) == []


def test_open_orders_a_taken_over_copy_of_an_order_followed_or_ended_here_is_known() -> None:
    # a gone replica's open orders are read from the log (tracking/takeover.py): a copy of
    # an order this process follows, or has just ended, must not open it again
    book = OpenOrders()
    book.track(intent("o1", "U1"))
    book.track(intent("o2", "U2"))
    book.end("C1", "o2")
    assert book.knows(intent("o1", "U1"))
    assert book.knows(intent("o2", "U2"))
    assert not book.knows(intent("o3", "U3"))
    assert not book.knows(intent("o4", None, IntentState.UNKNOWN))
