"""The generated contract files, their paths and texts (pure; `__main__` writes them)."""

import json
from typing import Any

import yaml

from common.asyncapi.document import build_document
from common.asyncapi.samples import sample
from common.asyncapi.schemas import every_message, message_schema, schema_file, type_of

ASYNCAPI = "asyncapi.yaml"
SCHEMAS = "schemas"
SAMPLES = "samples"


def _json(body: Any) -> str:
    return json.dumps(body, indent=2, ensure_ascii=False) + "\n"


class _Dumper(yaml.SafeDumper):
    """Multi-line text as literal blocks, so the descriptions read as written."""


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def asyncapi_yaml(document: dict[str, Any]) -> str:
    header = "# Generated from the code by `make contracts` (common.asyncapi); do not edit.\n"
    body = yaml.dump(document, Dumper=_Dumper, sort_keys=False, allow_unicode=True, width=100)
    return header + body


def generated_files() -> dict[str, str]:
    """Every file under docs/ the contract consists of, by path relative to docs/."""
    files = {ASYNCAPI: asyncapi_yaml(build_document())}
    for topic, model in every_message():
        name = schema_file(topic, model)
        files[f"{SCHEMAS}/{name}"] = _json(message_schema(topic, model))
        files[f"{SAMPLES}/{name}"] = _json(sample(model, type_of(model)))
    return files
