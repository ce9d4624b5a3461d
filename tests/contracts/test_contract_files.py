"""docs/asyncapi.yaml, docs/schemas/ and docs/samples/ are what the code generates, and the
samples are valid wire messages by the published schemas (and by our own models)."""

import json
from pathlib import Path
from typing import Any

import pytest
import yaml
from common.asyncapi.document import build_document, channel_id
from common.asyncapi.files import generated_files
from common.asyncapi.schemas import every_message, schema_file, type_of
from common.topics import ALL_TOPICS, topic_named
from jsonschema import Draft202012Validator, ValidationError

DOCS = Path(__file__).parents[2] / "docs"
SAMPLE_FILES = sorted((DOCS / "samples").glob("*/*.json"))


def _validator(schema_path: Path) -> Draft202012Validator:
    schema = json.loads(schema_path.read_text())
    Draft202012Validator.check_schema(schema)
    return Draft202012Validator(schema, format_checker=Draft202012Validator.FORMAT_CHECKER)


def _sample(name: str) -> dict[str, Any]:
    body: dict[str, Any] = json.loads((DOCS / "samples" / name).read_text())
    return body


def test_committed_contract_files_are_what_the_code_generates() -> None:
    files = generated_files()
    differ = [
        n for n, text in files.items() if not (DOCS / n).is_file() or (DOCS / n).read_text() != text
    ]
    assert not differ, f"out of date (run `make contracts` and commit docs/): {differ}"
    committed = {p.relative_to(DOCS).as_posix() for p in DOCS.glob("s*/*/*.json")}
    assert committed - set(files) == set(), "files under docs/ no code generates any more"


def test_document_covers_every_topic_with_its_key_partitions_and_messages() -> None:
    document = yaml.safe_load((DOCS / "asyncapi.yaml").read_text())
    for topic in ALL_TOPICS:
        channel = document["channels"][channel_id(topic.name)]
        binding = channel["bindings"]["kafka"]
        assert channel["address"] == topic.name
        assert binding["partitions"] == topic.partitions
        policy = binding["topicConfiguration"]["cleanup.policy"]
        assert policy == ["compact" if topic.compacted else "delete"]
        assert f"Key: {topic.key_doc}." in channel["description"]
        assert document["channels"][channel_id(topic.dlq)]["address"] == topic.dlq
    for topic, model in every_message():
        message = document["components"]["messages"][model.__name__]
        assert message["name"] == type_of(model)
        assert message["bindings"]["kafka"]["key"]["description"] == topic.key_doc
        assert message["headers"]["properties"]["event_type"]["const"] == type_of(model)
        assert model.__name__ in document["channels"][channel_id(topic.name)]["messages"]


@pytest.mark.parametrize("path", SAMPLE_FILES, ids=lambda p: p.relative_to(DOCS).as_posix())
def test_committed_sample_is_valid_by_its_schema_and_by_the_code(path: Path) -> None:
    name = path.relative_to(DOCS / "samples").as_posix()
    body = json.loads(path.read_text())
    _validator(DOCS / "schemas" / name).validate(body)
    message = topic_named(name.split("/")[0]).parse(path.read_text())
    assert message.type == body["type"]


def test_every_message_version_has_a_committed_schema_and_sample() -> None:
    for topic, model in every_message():
        name = schema_file(topic, model)
        assert (DOCS / "schemas" / name).is_file(), name
        assert (DOCS / "samples" / name).is_file(), name


def test_schema_refuses_money_as_a_json_number() -> None:
    name = "orders.events.v1/order.filled.v1.json"
    fill = _sample(name) | {"price": 1285.45}
    with pytest.raises(ValidationError, match="is not of type 'string'"):
        _validator(DOCS / "schemas" / name).validate(fill)


def test_schema_refuses_a_message_without_its_envelope() -> None:
    name = "portfolio.updates.v1/pnl.changed.v1.json"
    pnl = {k: v for k, v in _sample(name).items() if k != "event_id"}
    with pytest.raises(ValidationError, match="'event_id' is a required property"):
        _validator(DOCS / "schemas" / name).validate(pnl)


def test_schema_accepts_a_field_added_later_so_old_readers_keep_working() -> None:
    name = "portfolio.updates.v1/position.changed.v1.json"
    _validator(DOCS / "schemas" / name).validate(_sample(name) | {"added_in_v1_1": "x"})


def test_kubernetes_topics_match_the_documented_partitions_and_retention() -> None:
    channels = {c["address"]: c["bindings"]["kafka"] for c in build_document()["channels"].values()}
    manifests = yaml.safe_load_all((DOCS.parent / "infra/k8s/kafka-topics.yaml").read_text())
    topics = {m["spec"]["topicName"]: m["spec"] for m in manifests if m}
    assert set(topics) == set(channels)
    for name, spec in topics.items():
        binding = channels[name]
        assert spec["partitions"] == binding["partitions"], name
        assert spec["replicas"] == binding["replicas"], name
        config = binding["topicConfiguration"]
        assert [spec["config"]["cleanup.policy"]] == config["cleanup.policy"], name
        assert spec["config"].get("retention.ms") == config.get("retention.ms"), name


def test_documented_headers_are_the_ones_the_publisher_writes() -> None:
    from common.kafka import _headers  # the publisher's own header builder

    document = build_document()
    for topic, model in every_message():
        message = topic.parse(json.dumps(_sample(schema_file(topic, model))))
        written = _headers(message)
        documented = document["components"]["messages"][model.__name__]
        assert set(documented["headers"]["properties"]) == set(written)
        assert documented["examples"][0]["headers"] == written
