"""JSON Schema for every message version, from the pydantic contracts (pure, no I/O).

What other systems get is the wire format, written for readers in any language:
- money is a decimal string in rupees (`"2450.05"`), never a JSON number, so no precision is
  lost; read it into a decimal type, never a float;
- quantities are whole shares (JSON integers);
- times are UTC instants in ISO-8601 (`2026-11-30T09:15:02.123456Z`), dates are `YYYY-MM-DD`.

Our own producers are strict (unknown fields refused), but the published schemas leave
objects open: a v1 topic may gain an optional field, and a consumer validating with the
schema it downloaded earlier must still accept the newer messages.
"""

import typing
from collections.abc import Iterator
from typing import Any

from pydantic import BaseModel
from pydantic.json_schema import GenerateJsonSchema, JsonSchemaMode, models_json_schema
from pydantic_core import core_schema

from common.contracts.envelope import Message
from common.topics import ALL_TOPICS, Topic

DRAFT = "https://json-schema.org/draft/2020-12/schema"
ENVELOPE_FIELDS = ("event_id", "type", "schema_version", "occurred_at", "correlation_id", "actor")
"""Always on the wire (our producers write them on every message), so required to readers."""
DECIMAL_PATTERN = r"^-?\d+(\.\d+)?([eE][-+]?\d+)?$"
_BOUNDS = {"gt": "> {}", "ge": ">= {}", "lt": "< {}", "le": "<= {}"}


class WireSchema(GenerateJsonSchema):
    """pydantic's schema generator with the platform's wire units spelled out."""

    def decimal_schema(self, schema: core_schema.DecimalSchema) -> dict[str, Any]:
        bounds = [_BOUNDS[k].format(schema[k]) for k in _BOUNDS if k in schema]  # type: ignore[literal-required]
        text = 'rupees as a decimal string, e.g. "2450.05"'
        if bounds:
            text += f"; {' and '.join(bounds)}"
        return {"type": "string", "pattern": DECIMAL_PATTERN, "description": text}

    def datetime_schema(self, schema: core_schema.DatetimeSchema) -> dict[str, Any]:
        return {
            "type": "string",
            "format": "date-time",
            "description": 'UTC instant, ISO-8601, e.g. "2026-11-30T09:15:02.123456Z"',
        }


def message_models(topic: Topic) -> tuple[type[Message], ...]:
    """The message classes a topic carries (the members of its discriminated union)."""
    schema = topic.schema
    if typing.get_origin(schema) is typing.Annotated:
        schema = typing.get_args(schema)[0]
    members = typing.get_args(schema) or (schema,)
    return tuple(m for m in members if isinstance(m, type) and issubclass(m, Message))


def type_of(model: type[Message]) -> str:
    """The `type` field's value (and `event_type` header) of a message class."""
    return str(model.model_fields["type"].default)


def version_of(model: type[Message]) -> int:
    return int(model.model_fields["schema_version"].default)


def schema_file(topic: Topic, model: type[Message]) -> str:
    """Where a message version's schema lives under docs/schemas/."""
    return f"{topic.name}/{type_of(model)}.v{version_of(model)}.json"


def every_message() -> Iterator[tuple[Topic, type[Message]]]:
    for topic in ALL_TOPICS:
        for model in message_models(topic):
            yield topic, model


def message_schema(topic: Topic, model: type[Message]) -> dict[str, Any]:
    """One message version as a standalone JSON Schema (draft 2020-12)."""
    body = model.model_json_schema(schema_generator=WireSchema, mode="validation")
    body = with_envelope_required(publishable(body))
    return {
        "$schema": DRAFT,
        "$id": schema_file(topic, model),
        **body,
        "x-topic": topic.name,
        "x-key": topic.key_doc_of(type_of(model)),
    }


def component_schemas(
    models: list[type[BaseModel]], ref_template: str
) -> tuple[dict[type[BaseModel], dict[str, Any]], dict[str, Any]]:
    """Every model's schema with shared parts once, referenced through `ref_template`."""
    mode: JsonSchemaMode = "validation"
    refs, defs = models_json_schema(
        [(m, mode) for m in models], ref_template=ref_template, schema_generator=WireSchema
    )
    by_model = {model: publishable(refs[(model, mode)]) for model in models}
    shared = publishable(defs.get("$defs", {}))
    for name, schema in shared.items():
        if ENVELOPE_FIELDS[0] in schema.get("properties", {}):
            shared[name] = with_envelope_required(schema)
    return by_model, shared


def with_envelope_required(schema: dict[str, Any]) -> dict[str, Any]:
    required = list(ENVELOPE_FIELDS)
    required += [name for name in schema.get("required", ()) if name not in ENVELOPE_FIELDS]
    return {**schema, "required": required}


def publishable(node: Any) -> Any:
    """Open every object (no additionalProperties: false) and give discriminators as the
    property name only (JSON Schema and AsyncAPI spell it so; OpenAPI's mapping is not)."""
    if isinstance(node, list):
        return [publishable(item) for item in node]
    if not isinstance(node, dict):
        return node
    out: dict[str, Any] = {}
    for key, value in node.items():
        if key == "additionalProperties" and value is False:
            continue
        if key == "discriminator" and isinstance(value, dict):
            out[key] = value["propertyName"]
            continue
        out[key] = publishable(value)
    return out
