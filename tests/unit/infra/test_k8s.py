"""infra/k8s agrees with the code: generated files are current, every service is probed."""

from pathlib import Path
from typing import Any

import yaml
from common.topics import ALL_TOPICS
from stack.k8s import kafka_topics, kafka_users, render, service_resources
from stack.platform import SERVICES

K8S = Path(__file__).parents[3] / "infra" / "k8s"


def _docs(name: str) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all((K8S / name).read_text()) if d]


def test_generated_manifests_are_current() -> None:
    # If this fails, run `uv run python -m stack k8s` and commit the result.
    assert (K8S / "kafka-topics.yaml").read_text() == render(kafka_topics())
    assert (K8S / "kafka-users.yaml").read_text() == render(kafka_users())
    assert (K8S / "services.yaml").read_text() == render(service_resources())


def test_every_topic_and_its_dlq_has_a_kafka_topic_resource() -> None:
    declared = {d["spec"]["topicName"]: d["spec"] for d in _docs("kafka-topics.yaml")}
    for topic in ALL_TOPICS:
        assert declared[topic.name]["partitions"] == topic.partitions
        assert topic.dlq in declared
        policy = declared[topic.name]["config"]["cleanup.policy"]
        assert policy == ("compact" if topic.compacted else "delete")


def test_every_service_has_probes_resources_hpa_and_pdb() -> None:
    docs = _docs("services.yaml")
    for service in SERVICES:
        kinds = {d["kind"] for d in docs if d["metadata"]["name"] == service.name}
        assert kinds == {"Deployment", "Service", "HorizontalPodAutoscaler", "PodDisruptionBudget"}
        deployment = next(
            d for d in docs if d["kind"] == "Deployment" and d["metadata"]["name"] == service.name
        )
        container = deployment["spec"]["template"]["spec"]["containers"][0]
        assert container["readinessProbe"]["httpGet"]["path"] == "/ready"
        assert container["livenessProbe"]["httpGet"]["path"] == "/health"
        assert container["resources"]["limits"]


def test_kustomization_lists_every_manifest_but_the_secret_template() -> None:
    listed = set(yaml.safe_load((K8S / "kustomization.yaml").read_text())["resources"])
    on_disk = {p.name for p in K8S.glob("*.yaml")} - {"kustomization.yaml"}
    assert on_disk - listed == {"secrets.example.yaml"}
