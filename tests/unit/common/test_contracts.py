"""Every message type survives the wire, and bad messages fail with a clear error."""

import json
from datetime import datetime
from decimal import Decimal

import pytest
from common.contracts.envelope import Message
from common.contracts.order_events import OrderFilled
from common.contracts.requests import BatchRequested, OrderTerms
from common.enums import OrderType
from common.topics import ALL_TOPICS, ORDER_EVENTS, ORDER_REQUESTS, Topic
from factories import EXAMPLES, LIMIT_TERMS, make
from pydantic import ValidationError

MESSAGE_TYPES = sorted(EXAMPLES, key=lambda t: t.__name__)


def _topic_of(message_type: type[Message]) -> Topic:
    type_name = message_type.model_fields["type"].default
    for topic in ALL_TOPICS:
        try:
            topic.parse(make(message_type).model_dump_json())
            return topic
        except ValidationError:
            continue
    raise AssertionError(f"{type_name} belongs to no topic")


@pytest.mark.parametrize("message_type", MESSAGE_TYPES, ids=lambda t: t.__name__)
def test_message_round_trip_through_its_topic_equal(message_type: type[Message]) -> None:
    message = make(message_type)
    parsed = _topic_of(message_type).parse(message.model_dump_json().encode())
    assert type(parsed) is message_type
    assert parsed == message


@pytest.mark.parametrize("message_type", MESSAGE_TYPES, ids=lambda t: t.__name__)
def test_message_with_unknown_field_rejected_naming_it(message_type: type[Message]) -> None:
    raw = json.loads(make(message_type).model_dump_json())
    raw["surprise"] = 1
    with pytest.raises(ValidationError) as error:
        _topic_of(message_type).parse(json.dumps(raw))
    assert "surprise" in str(error.value)


def test_topic_parse_unknown_type_rejected() -> None:
    raw = json.loads(make(OrderFilled).model_dump_json())
    raw["type"] = "order.teleported"
    with pytest.raises(ValidationError) as error:
        ORDER_EVENTS.parse(json.dumps(raw))
    assert "order.teleported" in str(error.value)


def test_message_is_immutable() -> None:
    fill = make(OrderFilled)
    with pytest.raises(ValidationError):
        fill.quantity = 99  # type: ignore[misc]


def test_money_survives_json_as_exact_decimal() -> None:
    fill = make(OrderFilled, price=Decimal("2500.0500"))
    wire = json.loads(fill.model_dump_json())
    assert wire["price"] == "2500.0500"
    assert ORDER_EVENTS.parse(json.dumps(wire)).price == Decimal("2500.0500")  # type: ignore[attr-defined]


def test_naive_timestamp_rejected_with_reason() -> None:
    with pytest.raises(ValidationError) as error:
        make(OrderFilled, traded_at=datetime(2026, 11, 23, 9, 15))
    assert "timezone" in str(error.value)


def test_limit_terms_without_price_rejected_naming_price() -> None:
    with pytest.raises(ValidationError) as error:
        OrderTerms(**{**LIMIT_TERMS.model_dump(), "price": None})
    assert "price is required for a LIMIT order" in str(error.value)


def test_market_terms_with_trigger_rejected() -> None:
    terms = {**LIMIT_TERMS.model_dump(), "order_type": OrderType.MARKET, "price": None}
    with pytest.raises(ValidationError) as error:
        OrderTerms(**{**terms, "trigger_price": Decimal("10")})
    assert "trigger_price is not allowed" in str(error.value)


def test_batch_without_orders_rejected() -> None:
    with pytest.raises(ValidationError) as error:
        make(BatchRequested, orders=())
    assert "orders" in str(error.value)


def test_caused_message_keeps_correlation_and_names_cause() -> None:
    place = make(BatchRequested)
    fields = place.caused(batch_id="b1")
    assert fields["correlation_id"] == place.correlation_id
    assert fields["causation_id"] == place.event_id


def test_request_key_is_batch_id() -> None:
    assert ORDER_REQUESTS.key_of(make(BatchRequested, batch_id="b-42")) == b"b-42"
