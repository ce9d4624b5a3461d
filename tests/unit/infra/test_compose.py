"""docker-compose.yml agrees with the code (no Docker engine runs here to try it)."""

import re
import tomllib
from pathlib import Path
from typing import Any

import pytest
import yaml
from stack.platform import SERVICES

ROOT = Path(__file__).parents[3]
COMPOSE: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
DEFAULT_PORTS = {
    "gateway": 8000,
    "order-router": 8001,
    "broker-adapter": 8002,
    "portfolio": 8003,
    "market-data": 8004,
}


def _package_names() -> dict[str, Path]:
    names = {}
    for pyproject in ROOT.glob("*/*/pyproject.toml"):
        names[tomllib.loads(pyproject.read_text())["project"]["name"]] = pyproject.parent
    return names


@pytest.mark.parametrize("service", SERVICES, ids=lambda s: s.name)
def test_compose_service_builds_its_package_and_listens_on_its_port(service: Any) -> None:
    spec = COMPOSE["services"][service.name]
    args = spec["build"]["args"]
    assert args["SERVICE"] in _package_names()
    assert (_package_names()[args["SERVICE"]] / "src" / args["MODULE"]).is_dir()
    env = spec["environment"]
    port = DEFAULT_PORTS[service.name]
    assert env[f"{service.env_prefix}_HOST"] == "0.0.0.0"
    assert env[f"{service.env_prefix}_PORT"] == str(port)
    assert env["PORT_FOR_PROBE"] == str(port)
    assert "/ready" in " ".join(spec["healthcheck"]["test"])
    assert env["KAFKA_BOOTSTRAP"] == "kafka:9092"
    assert set(spec["depends_on"]) == {"kafka", "kafka-setup", "postgres", "redis"}
    assert spec["depends_on"]["kafka-setup"] == {"condition": "service_completed_successfully"}


def test_compose_peer_urls_match_service_ports() -> None:
    env = COMPOSE["services"]["gateway"]["environment"]
    for service in SERVICES:
        assert env[f"{service.env_prefix}_URL"] == (
            f"http://{service.name}:{DEFAULT_PORTS[service.name]}"
        )


def test_compose_only_the_adapter_holds_the_private_key() -> None:
    holders = [
        name
        for name, spec in COMPOSE["services"].items()
        if "BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY" in (spec.get("environment") or {})
    ]
    assert holders == ["broker-adapter"]


def test_compose_required_secrets_are_documented_in_env_example() -> None:
    text = (ROOT / "docker-compose.yml").read_text()
    required = set(re.findall(r"\$\{([A-Z_]+):\?", text))
    example = (ROOT / ".env.example").read_text()
    assert required, "secrets must be required, not defaulted"
    assert {name for name in required if f"{name}=" not in example} == set()


def test_compose_simulator_only_under_sim_profile() -> None:
    assert COMPOSE["services"]["motilal-sim"]["profiles"] == ["sim"]


def test_compose_gateway_runs_as_the_audit_append_only_role() -> None:
    gateway = COMPOSE["services"]["gateway"]["environment"]
    assert gateway["POSTGRES_DSN"].startswith("postgresql://gateway_app:")
    assert gateway["POSTGRES_MIGRATIONS_DSN"].startswith("postgresql://platform:")
    postgres = COMPOSE["services"]["postgres"]
    assert "./infra/postgres/init:/docker-entrypoint-initdb.d:ro" in postgres["volumes"]
    assert (ROOT / "infra" / "postgres" / "init" / "10-gateway-app-role.sh").exists()
    # the other services keep the owner's DSN
    assert COMPOSE["services"]["portfolio"]["environment"]["POSTGRES_DSN"].startswith(
        "postgresql://platform:"
    )
