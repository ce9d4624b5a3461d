"""What the dashboards, the alert rules and the rules' unit tests ask Prometheus for: their
expressions and the metric names in them (shared by the observability tests)."""

import json
import re
from pathlib import Path

import yaml

INFRA = Path(__file__).parents[3] / "infra"
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "inf", "nan",
}  # fmt: skip


def metric_names(expr: str) -> set[str]:
    """The metric names in a PromQL expression (label matchers, ranges, groupings and
    function names removed)."""
    text = re.sub(r'"(?:[^"\\]|\\.)*"', "", expr)
    text = re.sub(r"\{[^}]*\}|\[[^\]]*\]", " ", text)
    text = re.sub(r"\b(by|without|on|ignoring|group_left|group_right)\s*\([^)]*\)", " ", text)
    names = set()
    for found in re.finditer(r"(?<![\w$.])([a-zA-Z_:][\w:]*)\b(\s*\()?", text):
        name, call = found.group(1), found.group(2)
        if not call and name.lower() not in PROMQL_WORDS:
            names.add(name)
    return names


def dashboard_exprs() -> dict[str, str]:
    exprs = {}
    for path in sorted((INFRA / "grafana").glob("*.json")):
        for panel in json.loads(path.read_text())["panels"]:
            for target in panel.get("targets", []):
                exprs[f"{path.name}: {panel['title']} {target['refId']}"] = target["expr"]
    return exprs


def alert_exprs() -> dict[str, str]:
    rules = yaml.safe_load((INFRA / "prometheus" / "alerts.yml").read_text())
    return {
        f"alerts.yml: {rule['alert']}": rule["expr"]
        for group in rules["groups"]
        for rule in group["rules"]
    }


def alert_test_series() -> dict[str, str]:
    """The series the alert rules' unit tests (alerts_test.yml) feed them: a test of a rule
    on a metric no service exposes would pass while the rule never fires."""
    tests = yaml.safe_load((INFRA / "prometheus" / "alerts_test.yml").read_text())
    return {
        f"alerts_test.yml: {test['name']} #{i}": series["series"]
        for test in tests["tests"]
        for i, series in enumerate(test["input_series"])
    }
