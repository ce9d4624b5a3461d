"""The topic registry is consistent: unique names, keys that work for every message."""

import typing

import pytest
from common.contracts.envelope import Message
from common.topics import ALL_TOPICS, ORDER_COMMANDS, ORDER_EVENTS, QUOTES, topic_named
from factories import EXAMPLES, make


def _members(topic_schema: object) -> list[type[Message]]:
    inner = typing.get_args(topic_schema)[0] if typing.get_origin(topic_schema) else topic_schema
    members = typing.get_args(inner) or (inner,)
    return list(members)


def test_topic_names_unique_and_versioned() -> None:
    names = [t.name for t in ALL_TOPICS]
    assert len(names) == len(set(names))
    assert all(name.endswith(".v1") for name in names)


def test_every_message_type_belongs_to_exactly_one_topic() -> None:
    owners: dict[type[Message], list[str]] = {}
    for topic in ALL_TOPICS:
        for member in _members(topic.schema):
            owners.setdefault(member, []).append(topic.name)
    assert {t: o for t, o in owners.items() if len(o) != 1} == {}
    assert set(owners) == set(EXAMPLES), "every contract message needs an example in factories"


def test_message_types_have_unique_type_names() -> None:
    names = [m.model_fields["type"].default for t in ALL_TOPICS for m in _members(t.schema)]
    assert len(names) == len(set(names))


@pytest.mark.parametrize("topic", ALL_TOPICS, ids=lambda t: t.name)
def test_topic_key_defined_for_every_member(topic: typing.Any) -> None:
    for member in _members(topic.schema):
        key = topic.key_of(make(member))
        assert key and key != b"None", f"{member.__name__} has no key on {topic.name}"


def test_client_keyed_topics_share_partition_count() -> None:
    # The adapter and router co-partition on client_id; the counts must match.
    assert ORDER_COMMANDS.partitions == ORDER_EVENTS.partitions


def test_dead_letter_topic_named_after_source() -> None:
    assert QUOTES.dlq == "marketdata.quotes.v1.dlq"


def test_topic_named_unknown_lists_known() -> None:
    with pytest.raises(KeyError, match=r"orders\.events\.v1"):
        topic_named("orders.nope.v1")
