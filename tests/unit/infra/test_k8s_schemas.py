"""Every Kubernetes resource in infra/k8s validates against the Kubernetes API schemas.

kubernetes-validate bundles the JSON schemas of each Kubernetes release, so this runs
offline. Strict mode refuses unknown fields (a misspelt `readinesProbe` would otherwise be
dropped silently by the API server). Custom resources (Strimzi's Kafka kinds, the
Prometheus Operator's ServiceMonitor and PrometheusRule) are validated against their CRDs'
schemas in test_crd_schemas.py.
"""

from pathlib import Path
from typing import Any

import kubernetes_validate
import pytest
import yaml

K8S = Path(__file__).parents[3] / "infra" / "k8s"
# The oldest release the manifests must still apply to (autoscaling/v2, policy/v1 PDBs).
KUBERNETES_VERSION = "1.29.0"
NOT_KUBERNETES = {"kafka.strimzi.io/v1beta2", "kustomize.config.k8s.io/v1beta1"}


def _resources() -> list[tuple[str, dict[str, Any]]]:
    found = []
    for path in sorted(K8S.glob("*.yaml")):
        for doc in yaml.safe_load_all(path.read_text()):
            if doc and doc.get("apiVersion") not in NOT_KUBERNETES:
                found.append((f"{path.name}:{doc['kind']}/{doc['metadata']['name']}", doc))
    return found


RESOURCES = _resources()


def test_the_manifests_hold_the_kubernetes_kinds_the_platform_needs() -> None:
    kinds = {doc["kind"] for _, doc in RESOURCES}
    assert {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget",
            "NetworkPolicy", "ConfigMap", "Secret", "Namespace"} <= kinds  # fmt: skip


@pytest.mark.parametrize("resource", [doc for _, doc in RESOURCES], ids=[n for n, _ in RESOURCES])
def test_resource_is_valid_against_the_kubernetes_schema(resource: dict[str, Any]) -> None:
    kubernetes_validate.validate(resource, KUBERNETES_VERSION, strict=True)


def test_a_misspelt_field_is_refused() -> None:
    """The check can fail: a Deployment with a typo is refused, naming the field."""
    deployment = next(doc for _, doc in RESOURCES if doc["kind"] == "Deployment")
    broken = yaml.safe_load(yaml.safe_dump(deployment))
    container = broken["spec"]["template"]["spec"]["containers"][0]
    container["readinesProbe"] = container.pop("readinessProbe")
    with pytest.raises(kubernetes_validate.ValidationError, match="readinesProbe"):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)


def test_a_wrong_type_is_refused() -> None:
    service = next(doc for _, doc in RESOURCES if doc["kind"] == "Service")
    broken = yaml.safe_load(yaml.safe_dump(service))
    broken["spec"]["ports"][0]["port"] = "eighty"
    with pytest.raises(kubernetes_validate.ValidationError):
        kubernetes_validate.validate(broken, KUBERNETES_VERSION, strict=True)
