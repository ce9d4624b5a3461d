"""The alert rules and Grafana dashboards are well-formed (which metric names they may
use is checked against the running services in tests/integration/observability)."""

import json
from pathlib import Path
from typing import Any

import yaml
from stack.platform import SERVICES

ROOT = Path(__file__).parents[3]
INFRA = ROOT / "infra"
SEVERITIES = {"page", "warn", "info"}


def test_every_alert_rule_has_an_expression_a_severity_and_a_summary() -> None:
    rules = yaml.safe_load((INFRA / "prometheus" / "alerts.yml").read_text())
    seen = []
    for group in rules["groups"]:
        assert group["name"] and group["rules"]
        for rule in group["rules"]:
            assert set(rule) <= {"alert", "expr", "for", "labels", "annotations"}, rule
            assert rule["expr"].strip(), rule["alert"]
            assert rule["labels"]["severity"] in SEVERITIES, rule["alert"]
            assert rule["annotations"]["summary"], rule["alert"]
            seen.append(rule["alert"])
    assert len(seen) == len(set(seen)), "alert names repeat"


def test_every_dashboard_panel_has_a_unique_id_and_queries_with_ref_ids() -> None:
    for path in (INFRA / "grafana").glob("*.json"):
        dashboard = json.loads(path.read_text())
        assert dashboard["uid"] and dashboard["title"]
        ids = [panel["id"] for panel in dashboard["panels"]]
        assert len(ids) == len(set(ids)), path.name
        for panel in dashboard["panels"]:
            if panel["type"] == "row":
                continue
            refs = [t["refId"] for t in panel["targets"]]
            assert refs and len(refs) == len(set(refs)), panel["title"]
            assert all(t["expr"].strip() for t in panel["targets"]), panel["title"]
            assert panel["datasource"]["uid"] == "${datasource}", panel["title"]


def _compose() -> dict[str, Any]:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    return compose


def _mounts(service: dict[str, Any]) -> dict[str, str]:
    """container path -> host path of a compose service's bind mounts."""
    mounts = {}
    for volume in service["volumes"]:
        source, target = volume.split(":")[:2]
        if source.startswith("./"):
            mounts[target] = source
    return mounts


def test_compose_runs_prometheus_and_grafana_only_under_the_observability_profile() -> None:
    services = _compose()["services"]
    for name in ("prometheus", "grafana"):
        assert services[name]["profiles"] == ["observability"]
        assert all(p.startswith("127.0.0.1:") for p in services[name]["ports"]), name
        for host in _mounts(services[name]).values():
            assert (ROOT / host).exists(), host


def test_prometheus_scrapes_every_service_where_compose_runs_it() -> None:
    config = yaml.safe_load((INFRA / "prometheus" / "prometheus.yml").read_text())
    targets = {
        job["job_name"]: [t for c in job["static_configs"] for t in c["targets"]]
        for job in config["scrape_configs"]
    }
    compose = _compose()["services"]
    for service in SERVICES:
        port = compose[service.name]["environment"][f"{service.env_prefix}_PORT"]
        assert targets[service.name] == [f"{service.name}:{port}"]
    mounted = _mounts(compose["prometheus"])["/etc/prometheus"]
    assert (ROOT / mounted / config["rule_files"][0]).samefile(INFRA / "prometheus" / "alerts.yml")


def test_grafana_provisions_the_datasource_the_dashboards_use_and_the_dashboards() -> None:
    grafana = _compose()["services"]["grafana"]
    mounts = _mounts(grafana)
    provisioning = ROOT / mounts["/etc/grafana/provisioning"]
    (source,) = yaml.safe_load((provisioning / "datasources" / "prometheus.yml").read_text())[
        "datasources"
    ]
    assert source["type"] == "prometheus" and source["isDefault"]
    assert source["url"] == "http://prometheus:9090"
    (provider,) = yaml.safe_load(
        (provisioning / "dashboards" / "trading-platform.yml").read_text()
    )["providers"]
    folder = provider["options"]["path"]
    assert (ROOT / mounts[folder]).samefile(INFRA / "grafana")
    assert list((INFRA / "grafana").glob("*.json")), "no dashboard to provision"
