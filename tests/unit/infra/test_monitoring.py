"""infra/k8s/monitoring agrees with the rest: the PrometheusRule holds exactly the rules of
infra/prometheus/alerts.yml (one source: run this file to regenerate it), a ServiceMonitor
scrapes every service's port, and the Ingress serves the gateway over TLS.

    uv run python tests/unit/infra/test_monitoring.py    # rewrites prometheus-rules.yaml
"""

from pathlib import Path
from typing import Any

import yaml
from stack.platform import SERVICES

ROOT = Path(__file__).parents[3]
ALERTS = ROOT / "infra" / "prometheus" / "alerts.yml"
MONITORING = ROOT / "infra" / "k8s" / "monitoring"
RULES = MONITORING / "prometheus-rules.yaml"
HEADER = (
    "# Generated from infra/prometheus/alerts.yml by `uv run python "
    "tests/unit/infra/test_monitoring.py`; do not edit by hand (a test compares them).\n"
)


def prometheus_rule() -> dict[str, Any]:
    return {
        "apiVersion": "monitoring.coreos.com/v1",
        "kind": "PrometheusRule",
        "metadata": {
            "name": "trading-platform",
            "namespace": "trading-platform",
            "labels": {
                "app.kubernetes.io/part-of": "trading-platform",
                "release": "kube-prometheus-stack",
            },
        },
        "spec": yaml.safe_load(ALERTS.read_text()),
    }


class _Dumper(yaml.SafeDumper):
    pass


def _text(dumper: yaml.SafeDumper, value: str) -> yaml.ScalarNode:
    style = "|" if "\n" in value else None
    return dumper.represent_scalar("tag:yaml.org,2002:str", value, style=style)


_Dumper.add_representer(str, _text)


def render_rules() -> str:
    return HEADER + yaml.dump(prometheus_rule(), Dumper=_Dumper, sort_keys=False, width=100)


def _docs(path: Path) -> list[dict[str, Any]]:
    return [d for d in yaml.safe_load_all(path.read_text()) if d]


def test_prometheus_rule_is_alerts_yml() -> None:
    # If this fails, run `uv run python tests/unit/infra/test_monitoring.py` and commit.
    assert RULES.read_text() == render_rules()
    (rule,) = _docs(RULES)
    assert rule["spec"] == yaml.safe_load(ALERTS.read_text())


def test_every_service_has_a_service_monitor_on_its_http_port() -> None:
    monitors = {d["metadata"]["name"]: d for d in _docs(MONITORING / "service-monitors.yaml")}
    assert set(monitors) == {s.name for s in SERVICES}
    services = {
        d["metadata"]["name"]: d
        for d in _docs(ROOT / "infra" / "k8s" / "services.yaml")
        if d["kind"] == "Service"
    }
    for name, monitor in monitors.items():
        selector = monitor["spec"]["selector"]["matchLabels"]
        assert selector.items() <= services[name]["metadata"]["labels"].items()
        ports = {p["name"] for p in services[name]["spec"]["ports"]}
        assert [e["port"] for e in monitor["spec"]["endpoints"]] == ["http"]
        assert "http" in ports
        assert monitor["spec"]["endpoints"][0]["path"] == "/metrics"


def test_the_gateway_is_scraped_with_its_metrics_token() -> None:
    monitors = {d["metadata"]["name"]: d for d in _docs(MONITORING / "service-monitors.yaml")}
    auth = monitors["gateway"]["spec"]["endpoints"][0]["authorization"]
    assert auth["credentials"] == {"name": "gateway-secrets", "key": "GATEWAY_METRICS_TOKEN"}
    secrets = _docs(ROOT / "infra" / "k8s" / "secrets.example.yaml")
    gateway = next(s for s in secrets if s["metadata"]["name"] == "gateway-secrets")
    assert "GATEWAY_METRICS_TOKEN" in gateway["stringData"]


def test_monitoring_kustomization_lists_its_manifests() -> None:
    listed = set(yaml.safe_load((MONITORING / "kustomization.yaml").read_text())["resources"])
    assert listed == {p.name for p in MONITORING.glob("*.yaml")} - {"kustomization.yaml"}


def test_the_gateway_ingress_is_tls_and_websocket_friendly() -> None:
    (ingress,) = _docs(ROOT / "infra" / "k8s" / "ingress.yaml")
    spec, annotations = ingress["spec"], ingress["metadata"]["annotations"]
    hosts = {rule["host"] for rule in spec["rules"]}
    assert hosts <= {host for tls in spec["tls"] for host in tls["hosts"]}
    assert all(tls["secretName"] for tls in spec["tls"])
    backends = {
        path["backend"]["service"]["name"]
        for rule in spec["rules"]
        for path in rule["http"]["paths"]
    }
    assert backends == {"gateway"}
    assert int(annotations["nginx.ingress.kubernetes.io/proxy-read-timeout"]) >= 3600
    assert annotations["nginx.ingress.kubernetes.io/force-ssl-redirect"] == "true"


if __name__ == "__main__":
    RULES.write_text(render_rules())
