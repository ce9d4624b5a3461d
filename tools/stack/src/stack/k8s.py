"""Kubernetes manifests that must agree with the code, generated from it.

`python -m stack k8s` rewrites infra/k8s/kafka-topics.yaml (Strimzi KafkaTopic resources),
infra/k8s/kafka-users.yaml (a Strimzi KafkaUser per service: SCRAM-SHA-512 with the ACLs of
common.kafka_access) and infra/k8s/services.yaml (Deployment, Service, HPA and PDB per
service) from the topic registry, the access table and the service list, so none can drift
from what the platform runs.
"""

from typing import Any

import yaml
from common.kafka_access import ACCESS, Acl, access_of
from common.topics import ALL_TOPICS

from stack.platform import SERVICES

NAMESPACE = "trading-platform"
CLUSTER = "trading-kafka"
PORTS = {
    "gateway": 8000,
    "order-router": 8001,
    "broker-adapter": 8002,
    "portfolio": 8003,
    "market-data": 8004,
}
# Replicas: the adapter scales with clients (partitions are keyed by client_id); the
# router is light; the gateway scales with frontends. Each portfolio replica keeps in
# memory only the clients of its partitions of orders.events.v1 (8) but reads every quote,
# so pods add room for holders, not for quotes. market-data runs two: one runs the quote
# feed (it holds the feed lock), the other stands by to take it over at once.
SCALING = {
    "gateway": (2, 6),
    "order-router": (2, 4),
    "broker-adapter": (2, 8),
    "portfolio": (2, 4),
    "market-data": (2, 2),
}


def kafka_topics() -> list[dict[str, Any]]:
    resources = []
    for topic in ALL_TOPICS:
        for name, partitions, compacted in (
            (topic.name, topic.partitions, topic.compacted),
            (topic.dlq, 1, False),
        ):
            config: dict[str, Any] = {"min.insync.replicas": 2}
            config["cleanup.policy"] = "compact" if compacted else "delete"
            if not compacted:
                config["retention.ms"] = 7 * 24 * 3600 * 1000
            resources.append(
                {
                    "apiVersion": "kafka.strimzi.io/v1beta2",
                    "kind": "KafkaTopic",
                    "metadata": {
                        "name": name.replace(".", "-"),
                        "namespace": NAMESPACE,
                        "labels": {"strimzi.io/cluster": CLUSTER},
                    },
                    "spec": {
                        "topicName": name,
                        "partitions": partitions,
                        "replicas": 3,
                        "config": config,
                    },
                }
            )
    return resources


KAFKA_CA_SECRET = f"{CLUSTER}-cluster-ca-cert"
"""The Secret in which Strimzi publishes the cluster CA that signed the brokers' certificates."""
KAFKA_CA_DIR = "/etc/kafka-ca"


def _strimzi_acl(acl: Acl) -> dict[str, Any]:
    return {
        "resource": {"type": acl.resource, "name": acl.name, "patternType": acl.pattern},
        "operations": list(acl.operations),
        "host": "*",
    }


def kafka_users() -> list[dict[str, Any]]:
    """One KafkaUser per service; Strimzi keeps its password in a Secret of the same name."""
    return [
        {
            "apiVersion": "kafka.strimzi.io/v1beta2",
            "kind": "KafkaUser",
            "metadata": {
                "name": access.user,
                "namespace": NAMESPACE,
                "labels": {"strimzi.io/cluster": CLUSTER},
            },
            "spec": {
                "authentication": {"type": "scram-sha-512"},
                "authorization": {
                    "type": "simple",
                    "acls": [_strimzi_acl(acl) for acl in access.acls()],
                },
            },
        }
        for access in ACCESS
    ]


def service_resources() -> list[dict[str, Any]]:
    resources: list[dict[str, Any]] = []
    for service in SERVICES:
        name, port = service.name, PORTS[service.name]
        minimum, maximum = SCALING[name]
        labels = {"app.kubernetes.io/name": name, "app.kubernetes.io/part-of": NAMESPACE}
        env: list[dict[str, Any]] = [
            {"name": f"{service.env_prefix}_HOST", "value": "0.0.0.0"},
            {"name": f"{service.env_prefix}_PORT", "value": str(port)},
        ]
        # REDIS_URL carries the Redis password (redis://:PASSWORD@host:6379/0)
        secret_keys = ["POSTGRES_DSN", "REDIS_URL", "INTERNAL_API_TOKEN"]
        if name == "gateway":
            # GATEWAY_METRICS_TOKEN: the Ingress makes /metrics public without it
            secret_keys += ["GATEWAY_JWT_SECRET", "ADMIN_PASSWORD", "GATEWAY_METRICS_TOKEN"]
            secret_keys += ["GATEWAY_REGISTRY_SIGNING_KEY"]  # signs accounts.clients.v1
            # POSTGRES_DSN is gateway_app (append-only audit log); migrations run as the owner
            secret_keys += ["POSTGRES_MIGRATIONS_DSN"]
        if name == "broker-adapter":
            secret_keys += ["BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY"]
        env += [
            {
                "name": key,
                "valueFrom": {"secretKeyRef": {"name": f"{name}-secrets", "key": key}},
            }
            for key in secret_keys
        ]
        user = access_of(name).user  # its KafkaUser (kafka-users.yaml); Strimzi's Secret
        env += [
            {"name": "KAFKA_USERNAME", "value": user},
            {
                "name": "KAFKA_PASSWORD",
                "valueFrom": {"secretKeyRef": {"name": user, "key": "password"}},
            },
        ]
        probe = {"httpGet": {"path": "/ready", "port": port}, "periodSeconds": 10}
        container = {
            "name": name,
            "image": f"trading-platform/{name}:latest",
            "ports": [{"name": "http", "containerPort": port}],
            "envFrom": [{"configMapRef": {"name": "platform-config"}}],
            "env": env,
            "readinessProbe": {**probe, "failureThreshold": 3},
            "livenessProbe": {
                "httpGet": {"path": "/health", "port": port},
                "periodSeconds": 10,
                "failureThreshold": 6,
            },
            "startupProbe": {**probe, "periodSeconds": 2, "failureThreshold": 60},
            "resources": {
                "requests": {"cpu": "250m", "memory": "256Mi"},
                "limits": {"cpu": "1", "memory": "512Mi"},
            },
            "securityContext": {
                "runAsNonRoot": True,
                "allowPrivilegeEscalation": False,
                "readOnlyRootFilesystem": True,
            },
            # a writable /tmp beside the read-only root filesystem
            "volumeMounts": [
                {"name": "tmp", "mountPath": "/tmp"},  # noqa: S108
                {"name": "kafka-ca", "mountPath": KAFKA_CA_DIR, "readOnly": True},
            ],
        }
        resources += [
            {
                "apiVersion": "apps/v1",
                "kind": "Deployment",
                "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
                "spec": {
                    "replicas": minimum,
                    "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                    "template": {
                        "metadata": {"labels": labels},
                        "spec": {
                            "terminationGracePeriodSeconds": 15,
                            "containers": [container],
                            "volumes": [
                                {"name": "tmp", "emptyDir": {}},
                                {
                                    "name": "kafka-ca",
                                    "secret": {
                                        "secretName": KAFKA_CA_SECRET,
                                        "items": [{"key": "ca.crt", "path": "ca.crt"}],
                                    },
                                },
                            ],
                        },
                    },
                },
            },
            {
                "apiVersion": "v1",
                "kind": "Service",
                "metadata": {"name": name, "namespace": NAMESPACE, "labels": labels},
                "spec": {
                    "selector": {"app.kubernetes.io/name": name},
                    "ports": [{"name": "http", "port": port, "targetPort": "http"}],
                },
            },
            {
                "apiVersion": "autoscaling/v2",
                "kind": "HorizontalPodAutoscaler",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "spec": {
                    "scaleTargetRef": {"apiVersion": "apps/v1", "kind": "Deployment", "name": name},
                    "minReplicas": minimum,
                    "maxReplicas": maximum,
                    "metrics": [
                        {
                            "type": "Resource",
                            "resource": {
                                "name": "cpu",
                                "target": {"type": "Utilization", "averageUtilization": 70},
                            },
                        }
                    ],
                },
            },
            {
                "apiVersion": "policy/v1",
                "kind": "PodDisruptionBudget",
                "metadata": {"name": name, "namespace": NAMESPACE},
                "spec": {
                    "maxUnavailable": 1,
                    "selector": {"matchLabels": {"app.kubernetes.io/name": name}},
                },
            },
        ]
    return resources


HEADER = "# Generated by `uv run python -m stack k8s` from the code; do not edit by hand.\n"


def render(resources: list[dict[str, Any]]) -> str:
    return HEADER + yaml.safe_dump_all(resources, sort_keys=False, explicit_start=True)
