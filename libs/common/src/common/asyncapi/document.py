"""The platform's Kafka topics as an AsyncAPI 3.0 document, built from the code (pure).

Topics, keys, partitions and compaction come from `common.topics`; message payloads from the
pydantic contracts (`schemas.py`); examples from `samples.py`. What the code does not say
by itself (headers, units, retention, the compatibility promise) is written here once.
"""

import re
from typing import Any

from pydantic import BaseModel

from common.asyncapi.samples import sample
from common.asyncapi.schemas import component_schemas, every_message, type_of, version_of
from common.contracts.envelope import Message
from common.topics import ALL_TOPICS, Topic

VERSION = "1.0.0"
"""The contract's version: the minor goes up when a topic gains an optional field or a
message type; a breaking change is a new `.v2` topic, never a new major here."""
KAFKA_BINDING = "0.5.0"
REPLICAS = 3
RETENTION_MS = 7 * 24 * 3600 * 1000
"""Retention of every non-compacted topic and DLQ (infra/k8s/kafka-topics.yaml; tested)."""
SCHEMAS = "#/components/schemas/{model}"

DESCRIPTION = """\
The Kafka topics of the multi-client trading platform for Motilal Oswal desks: what other
systems may read. Generated from the code (`make contracts`); do not edit by hand.

**Records.** The value is one JSON object (UTF-8). The key is a UTF-8 string named per
topic (mostly `client_id`), so all of one client's messages on a topic are on one
partition, in the order they were written.

**Envelope.** Every message carries `event_id` (unique; deduplicate on it), `type` (the
message type, also in the `event_type` header), `schema_version`, `occurred_at`,
`correlation_id` (the user's request; the batch id for a batch), `causation_id` (the
event that caused this one) and `actor` (the user, or the service for automatic actions).
The headers `event_type`, `schema_version`, `correlation_id` and `actor` repeat the
envelope, so a reader can skip types it does not want without parsing the value.

**Units.** Money and prices are rupees as decimal strings (`"1285.45"`): read them into a
decimal type, never a float. Quantities are whole shares (integers; `net_quantity` is
negative when short). Times are UTC instants in ISO-8601 (`2026-11-30T04:05:06.123456Z`);
dates are `YYYY-MM-DD` trading dates in India (IST).

**Compatibility.** A `.v1` topic only ever gains optional fields and new message types;
removing or renaming a field, changing a type or unit, or making a field required is a
new `.v2` topic. So: ignore fields you do not know, and skip `event_type`s you do not know.
JSON Schema for every message version: `docs/schemas/<topic>/<type>.v<N>.json`.

**Delivery.** At least once: a message may come twice (deduplicate on `event_id`, fills
on `trade_no` per client, exchange and trading date). A message our services could not
process goes to `<topic>.dlq` unchanged, with the error in its headers.
"""


def channel_id(name: str) -> str:
    """`orders.events.v1` -> `ordersEventsV1` (AsyncAPI ids are word characters)."""
    first, *rest = re.split(r"[.\-_]", name)
    return first + "".join(part[:1].upper() + part[1:] for part in rest)


def build_document() -> dict[str, Any]:
    pairs = list(every_message())
    models: list[type[BaseModel]] = list(dict.fromkeys(model for _, model in pairs))
    payloads, shared = component_schemas(models, SCHEMAS)
    messages: dict[str, Any] = {"DeadLetter": _dead_letter()}
    for topic, model in pairs:
        messages[model.__name__] = _message(topic, model, payloads[model])
    channels: dict[str, Any] = {}
    operations: dict[str, Any] = {}
    for topic in ALL_TOPICS:
        cid = channel_id(topic.name)
        names = [m.__name__ for t, m in pairs if t is topic]
        channels[cid] = _channel(topic, names)
        channels[cid + "Dlq"] = _dlq_channel(topic)
        operations[f"send{cid[0].upper()}{cid[1:]}"] = {
            "action": "send",
            "channel": {"$ref": f"#/channels/{cid}"},
            "summary": f"The platform writes {topic.name}.",
            "messages": [{"$ref": f"#/channels/{cid}/messages/{n}"} for n in names],
        }
    return {
        "asyncapi": "3.0.0",
        "info": {
            "title": "Trading platform topics",
            "version": VERSION,
            "description": DESCRIPTION,
        },
        "defaultContentType": "application/json",
        "servers": {
            "kubernetes": {
                "host": "trading-kafka-kafka-bootstrap:9093",
                "protocol": "kafka-secure",
                "description": "The Strimzi cluster of infra/k8s (KAFKA_BOOTSTRAP): TLS with "
                "SCRAM-SHA-512, one KafkaUser per reader (infra/k8s/kafka-users.yaml).",
            },
            "embedded": {
                "host": "127.0.0.1:9092",
                "protocol": "kafka",
                "description": "`make run`: the embedded Kafka-protocol broker (tansu).",
            },
        },
        "channels": channels,
        "operations": operations,
        "components": {"schemas": shared, "messages": messages},
    }


def _channel(topic: Topic, message_names: list[str]) -> dict[str, Any]:
    policy = "compact" if topic.compacted else "delete"
    config: dict[str, Any] = {"cleanup.policy": [policy]}
    if not topic.compacted:
        config["retention.ms"] = RETENTION_MS
    kept = (
        "Compacted: the latest message per key is kept for ever; read from the beginning "
        "for the current state of every key."
        if topic.compacted
        else f"Kept {RETENTION_MS // 86_400_000} days."
    )
    return {
        "address": topic.name,
        "title": topic.name,
        "description": f"{topic.description}\n\nKey: {topic.key_doc}. "
        f"{topic.partitions} partitions. {kept}",
        "messages": {n: {"$ref": f"#/components/messages/{n}"} for n in message_names},
        "bindings": {
            "kafka": {
                "topic": topic.name,
                "partitions": topic.partitions,
                "replicas": REPLICAS,
                "topicConfiguration": config,
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


def _dlq_channel(topic: Topic) -> dict[str, Any]:
    return {
        "address": topic.dlq,
        "title": topic.dlq,
        "description": f"Records of {topic.name} that a consumer of the platform could not "
        "process, unchanged, with the error in the headers. 1 partition.",
        "messages": {"DeadLetter": {"$ref": "#/components/messages/DeadLetter"}},
        "bindings": {
            "kafka": {
                "topic": topic.dlq,
                "partitions": 1,
                "replicas": REPLICAS,
                "topicConfiguration": {
                    "cleanup.policy": ["delete"],
                    "retention.ms": RETENTION_MS,
                },
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }


def _headers(model: type[Message]) -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "type": "object",
        "required": ["event_type", "schema_version", "correlation_id", "actor"],
        "properties": {
            "event_type": {**text, "const": type_of(model), "description": "the `type` field"},
            "schema_version": {**text, "const": str(version_of(model))},
            "correlation_id": {**text, "description": "the user's request (batch id)"},
            "actor": {**text, "description": "the acting user, or the service"},
        },
    }


def _message(topic: Topic, model: type[Message], payload: dict[str, Any]) -> dict[str, Any]:
    example = sample(model, type_of(model))
    headers = {
        "event_type": example["type"],
        "schema_version": str(example["schema_version"]),
        "correlation_id": example["correlation_id"],
        "actor": example["actor"],
    }
    doc = (model.__doc__ or "").strip()
    summary = doc.split("\n\n")[0].replace("\n", " ") if doc else type_of(model)
    return {
        "name": type_of(model),
        "title": model.__name__,
        "summary": summary,
        "contentType": "application/json",
        "headers": _headers(model),
        "payload": payload,
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": topic.key_doc},
                "bindingVersion": KAFKA_BINDING,
            }
        },
        "examples": [{"name": type_of(model), "headers": headers, "payload": example}],
    }


def _dead_letter() -> dict[str, Any]:
    text = {"type": "string"}
    return {
        "name": "dead_letter",
        "title": "DeadLetter",
        "summary": "A record a consumer could not process, as it was, with the error.",
        "contentType": "application/json",
        "headers": {
            "type": "object",
            "required": ["error", "source_topic", "source_partition", "source_offset"],
            "properties": {
                "error": {**text, "description": "what went wrong (up to 4000 characters)"},
                "source_topic": text,
                "source_partition": {**text, "description": "an integer, as text"},
                "source_offset": {**text, "description": "an integer, as text"},
                "service": {**text, "description": "the service that gave up"},
            },
        },
        "payload": {"description": "the original record's value, byte for byte (may be bad JSON)"},
        "bindings": {
            "kafka": {
                "key": {"type": "string", "description": "the original record's key"},
                "bindingVersion": KAFKA_BINDING,
            }
        },
    }
