"""Kafka users and ACLs: the access table matches the design's topic table and the code's
own publishes and consumers, and Kubernetes and docker-compose grant exactly that table."""

import re
from pathlib import Path
from typing import Any

import pytest
import yaml
from common import topics as topic_module
from common.kafka_access import ACCESS, ANYONE_WRITES, access_of, writers_of
from common.topics import ALL_TOPICS, Topic
from stack.compose_kafka import password_variable, setup_script
from stack.platform import SERVICES

ROOT = Path(__file__).parents[3]
K8S = ROOT / "infra" / "k8s"
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
TOPIC_NAMES = {
    name: value.name for name, value in vars(topic_module).items() if isinstance(value, Topic)
}
CALL = re.compile(r"\b(publish|publish_many|consume)\(\s*(\w+)", re.S)
IMPORTED = re.compile(r"from common\.topics import ([^\n]+)")


def _calls(source: str) -> tuple[set[str], set[str]]:
    """(topics written, topics read) by one module; a call naming its topic by a variable
    (`publish_many(topic, ...)`) is taken to use any topic the module imports."""
    imported = {
        TOPIC_NAMES[n.strip()]
        for line in IMPORTED.findall(source)
        for n in line.split(",")
        if n.strip() in TOPIC_NAMES
    }
    writes: set[str] = set()
    reads: set[str] = set()
    for call, argument in CALL.findall(source):
        named = {TOPIC_NAMES[argument]} if argument in TOPIC_NAMES else None
        if named is None and argument.islower() and argument.startswith("topic"):
            named = imported
        (reads if call == "consume" else writes).update(named or ())
    return writes, reads


def _code_access(service: str) -> tuple[set[str], set[str]]:
    writes: set[str] = set()
    reads: set[str] = set()
    for path in (ROOT / "services" / service / "src").rglob("*.py"):
        w, r = _calls(path.read_text())
        writes |= w
        reads |= r
    return writes, reads


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_acl_table_allows_every_publish_and_consume_in_the_services_code(service: str) -> None:
    writes, reads = _code_access(service)
    access = access_of(service)
    assert writes, "the scan found no publish: the pattern no longer matches the code"
    assert writes <= set(access.writes), f"{service} publishes without a Write ACL"
    assert reads <= set(access.reads), f"{service} consumes without a Read ACL"


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_acl_table_grants_no_write_the_code_does_not_make(service: str) -> None:
    writes, _ = _code_access(service)
    assert set(access_of(service).own_writes) == writes - set(ANYONE_WRITES)


def test_acl_writers_follow_the_design_topic_table() -> None:
    assert writers_of("orders.commands.v1") == {"order-router"}
    assert writers_of("orders.events.v1") == {"broker-adapter", "order-router"}
    assert writers_of("accounts.clients.v1") == {"gateway"}
    assert writers_of("marketdata.quotes.v1") == {"market-data"}
    assert writers_of("portfolio.updates.v1") == {"portfolio"}
    for account_topic in ("accounts.sessions.v1", "accounts.margins.v1", "accounts.positions.v1"):
        assert writers_of(account_topic) == {"broker-adapter"}
    # operators' requests come from the gateway; the router adds its risk exits
    assert writers_of("orders.requests.v1") == {"gateway", "order-router"}
    assert writers_of("alerts.v1") == {a.service for a in ACCESS}  # the design's "any"
    for topic in ALL_TOPICS:
        assert writers_of(topic.name), f"nobody may write {topic.name}"
        assert writers_of(topic.dlq) == set(), "dead letters are a reader's, not a writer's"


def test_every_service_has_exactly_one_kafka_user() -> None:
    assert sorted(a.service for a in ACCESS) == sorted(s.name for s in SERVICES)


def _k8s_users() -> dict[str, dict[str, Any]]:
    docs = yaml.safe_load_all((K8S / "kafka-users.yaml").read_text())
    return {d["metadata"]["name"]: d for d in docs if d}


def _granted(acls: list[dict[str, Any]], operation: str) -> set[str]:
    return {
        a["resource"]["name"]
        for a in acls
        if a["resource"]["type"] == "topic" and operation in a["operations"]
    }


def test_k8s_kafka_users_are_scram_with_the_tables_acls() -> None:
    users = _k8s_users()
    assert set(users) == {a.user for a in ACCESS}
    for access in ACCESS:
        spec = users[access.user]["spec"]
        assert spec["authentication"] == {"type": "scram-sha-512"}
        assert spec["authorization"]["type"] == "simple"
        acls = spec["authorization"]["acls"]
        dlqs = {f"{t}.dlq" for t in access.reads}
        assert _granted(acls, "Write") == set(access.writes) | dlqs
        assert _granted(acls, "Read") == set(access.reads)
        group = {"type": "group", "name": access.service, "patternType": "prefix"}
        groups = [a for a in acls if a["resource"]["type"] == "group"]
        assert groups == [{"resource": group, "operations": ["Read"], "host": "*"}]
    assert "orders.commands.v1" not in _granted(users["gateway"]["spec"]["authorization"]["acls"],
                                                "Write")  # fmt: skip


def test_k8s_kafka_has_only_a_tls_scram_listener_and_acls() -> None:
    docs = [d for d in yaml.safe_load_all((K8S / "kafka.yaml").read_text()) if d]
    kafka = next(d for d in docs if d["kind"] == "Kafka")["spec"]
    listeners = kafka["kafka"]["listeners"]
    assert all(listener["tls"] is True for listener in listeners)
    assert all(listener["authentication"] == {"type": "scram-sha-512"} for listener in listeners)
    assert kafka["kafka"]["authorization"] == {"type": "simple"}
    assert "userOperator" in kafka["entityOperator"]
    config = yaml.safe_load((K8S / "config.yaml").read_text())["data"]
    assert config["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert config["KAFKA_BOOTSTRAP"].endswith(f":{listeners[0]['port']}")
    assert "REDIS_URL" not in config  # it carries a password: in the secrets


def test_k8s_services_sign_in_as_their_own_kafka_user_and_trust_the_cluster_ca() -> None:
    docs = [d for d in yaml.safe_load_all((K8S / "services.yaml").read_text()) if d]
    for deployment in (d for d in docs if d["kind"] == "Deployment"):
        name = deployment["metadata"]["name"]
        pod = deployment["spec"]["template"]["spec"]
        env = {e["name"]: e for e in pod["containers"][0]["env"]}
        assert env["KAFKA_USERNAME"]["value"] == name
        assert env["KAFKA_PASSWORD"]["valueFrom"]["secretKeyRef"] == {
            "name": name,
            "key": "password",
        }
        assert env["REDIS_URL"]["valueFrom"]["secretKeyRef"]["name"] == f"{name}-secrets"
        volumes = {v["name"]: v for v in pod["volumes"]}
        assert volumes["kafka-ca"]["secret"]["secretName"] == "trading-kafka-cluster-ca-cert"


def test_compose_kafka_takes_scram_users_and_checks_acls() -> None:
    env = COMPOSE["services"]["kafka"]["environment"]
    protocols = dict(p.split(":") for p in env["KAFKA_LISTENER_SECURITY_PROTOCOL_MAP"].split(","))
    # no listener without a user; the controller's (loopback only) is the one without TLS
    assert protocols == {
        "CONTROLLER": "SASL_PLAINTEXT",
        "CLIENT": "SASL_SSL",
        "ADMIN": "SASL_SSL",
    }
    assert env["KAFKA_LISTENER_NAME_CLIENT_SASL_ENABLED_MECHANISMS"] == "SCRAM-SHA-512"
    assert env["KAFKA_ALLOW_EVERYONE_IF_NO_ACL_FOUND"] == "false"
    assert env["KAFKA_SUPER_USERS"] == "User:admin"
    assert "StandardAuthorizer" in env["KAFKA_AUTHORIZER_CLASS_NAME"]


@pytest.mark.parametrize("service", [s.name for s in SERVICES])
def test_compose_service_signs_in_as_its_own_kafka_user(service: str) -> None:
    env = COMPOSE["services"][service]["environment"]
    access = access_of(service)
    assert env["KAFKA_SECURITY_PROTOCOL"] == "SASL_SSL"
    assert env["KAFKA_USERNAME"] == access.user
    variable = password_variable(access)
    assert env["KAFKA_PASSWORD"].startswith(f"${{{variable}:?")
    setup_env = COMPOSE["services"]["kafka-setup"]["environment"]
    assert setup_env[variable].startswith(f"${{{variable}:?")
    assert env["REDIS_URL"].startswith("redis://:${REDIS_PASSWORD:?")


def test_compose_setup_script_is_current_and_grants_the_table() -> None:
    # If this fails, run `uv run python -m stack k8s` and commit the result.
    script = (ROOT / "infra" / "kafka" / "setup.sh").read_text()
    assert script == setup_script()
    gateway_writes = [
        line for line in script.splitlines()
        if line.startswith("acl gateway ") and "--operation Write" in line
    ]  # fmt: skip
    assert gateway_writes and "--topic orders.commands.v1 " not in gateway_writes[0] + " "
    for topic in ALL_TOPICS:
        assert f"topic {topic.name} {topic.partitions} " in script


def test_compose_redis_requires_a_password() -> None:
    redis = COMPOSE["services"]["redis"]
    assert "--requirepass" in " ".join(redis["command"])
    assert redis["environment"]["REDIS_PASSWORD"].startswith("${REDIS_PASSWORD:?")
