"""The alert rules and Grafana dashboards are well-formed (which metric names they may
use is checked against the running services in tests/integration/observability)."""

import json
from pathlib import Path

import yaml

INFRA = Path(__file__).parents[3] / "infra"
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
