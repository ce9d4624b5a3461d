"""Every custom resource in infra/k8s (Strimzi's Kafka, KafkaNodePool, KafkaTopic, KafkaUser;
the Prometheus Operator's ServiceMonitor and PrometheusRule) validates against its CRD's
schema, bundled under schemas/ (offline), strictly: a field the CRD does not define is refused,
where the API server would drop it silently.

The schemas are the CRDs' openAPIV3Schema without descriptions; each file's `$comment` names
its source. Kafka and KafkaNodePool are REDUCED (their full schemas are mostly pod templates,
over 600 kB): the parts the manifests use are checked, and every other field the CRD documents
is kept by name as an object marked `x-omitted` (allowed, its inside not checked). A manifest
that starts using such a field should copy its schema from the source into the bundle.
"""

import json
from pathlib import Path
from typing import Any

import jsonschema
import pytest
import yaml

K8S = Path(__file__).parents[3] / "infra" / "k8s"
SCHEMAS = Path(__file__).parent / "schemas"
CUSTOM_GROUPS = {"kafka.strimzi.io", "monitoring.coreos.com"}


def _strict(schema: Any) -> Any:
    """Objects with declared properties refuse others (kubectl --validate=strict), unless
    the CRD keeps unknown fields there or already says what else is allowed."""
    if isinstance(schema, list):
        return [_strict(s) for s in schema]
    if not isinstance(schema, dict):
        return schema
    strict = {key: _strict(value) for key, value in schema.items()}
    if (
        "properties" in schema
        and "additionalProperties" not in schema
        and not schema.get("x-kubernetes-preserve-unknown-fields")
    ):
        strict["additionalProperties"] = False
    return strict


def validator(api_version: str, kind: str) -> jsonschema.Draft7Validator:
    group, version = api_version.split("/")
    path = SCHEMAS / group / f"{kind.lower()}_{version}.json"
    schema = _strict(json.loads(path.read_text()))
    if "properties" in schema:  # metadata, apiVersion and kind are checked as Kubernetes does
        schema["properties"]["metadata"] = {"type": "object", "required": ["name"]}
    return jsonschema.Draft7Validator(schema)


def _custom_resources() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(K8S.rglob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("apiVersion", "").split("/")[0] in CUSTOM_GROUPS:
                name = f"{path.relative_to(K8S)}:{doc['kind']}/{doc['metadata']['name']}"
                found.append((name, doc))
    return found


RESOURCES = _custom_resources()


def _errors(resource: dict[str, Any]) -> list[str]:
    check = validator(resource["apiVersion"], resource["kind"])
    return [
        f"{'.'.join(str(p) for p in error.absolute_path)}: {error.message}"
        for error in check.iter_errors(resource)
    ]


def test_the_manifests_hold_the_custom_resources_the_platform_needs() -> None:
    kinds = {doc["kind"] for _, doc in RESOURCES}
    assert {"Kafka", "KafkaNodePool", "KafkaTopic", "ServiceMonitor", "PrometheusRule"} <= kinds


@pytest.mark.parametrize("resource", [doc for _, doc in RESOURCES], ids=[n for n, _ in RESOURCES])
def test_custom_resource_is_valid_against_its_crd_schema(resource: dict[str, Any]) -> None:
    assert _errors(resource) == []


def _first(kind: str) -> dict[str, Any]:
    doc = next(doc for _, doc in RESOURCES if doc["kind"] == kind)
    copy: dict[str, Any] = yaml.safe_load(yaml.safe_dump(doc))
    return copy


def test_a_misspelt_or_mistyped_topic_field_is_refused() -> None:
    topic = _first("KafkaTopic")
    topic["spec"]["partition"] = topic["spec"].pop("partitions")
    assert any("'partition' was unexpected" in e for e in _errors(topic))
    topic = _first("KafkaTopic")
    topic["spec"]["partitions"] = "three"
    assert any(e.startswith("spec.partitions:") for e in _errors(topic))


def test_a_wrong_listener_or_node_role_is_refused() -> None:
    kafka = _first("Kafka")
    kafka["spec"]["kafka"]["listeners"][0]["type"] = "public"
    kafka["spec"]["kafka"]["listeners"][0].pop("tls")
    errors = _errors(kafka)
    assert any("'public' is not one of" in e for e in errors)
    assert any("'tls' is a required property" in e for e in errors)
    pool = _first("KafkaNodePool")
    pool["spec"]["roles"] = ["leader"]
    assert any(e.startswith("spec.roles.0:") for e in _errors(pool))


def test_a_bad_service_monitor_or_rule_is_refused() -> None:
    monitor = _first("ServiceMonitor")
    monitor["spec"]["endpoints"][0]["intervall"] = "15s"
    assert any("'intervall' was unexpected" in e for e in _errors(monitor))
    rule = _first("PrometheusRule")
    rule["spec"]["groups"][0]["rules"][0]["for"] = "5 minutes"
    assert any(e.startswith("spec.groups.0.rules.0.for:") for e in _errors(rule))


def test_every_bundled_schema_says_where_it_comes_from() -> None:
    for path in SCHEMAS.rglob("*.json"):
        assert "openAPIV3Schema of" in json.loads(path.read_text())["$comment"], path.name
