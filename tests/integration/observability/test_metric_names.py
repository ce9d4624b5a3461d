"""Every metric name a Grafana panel or a Prometheus alert uses is one a running service
exposes on /metrics: a renamed metric breaks this test, not a dashboard nobody looks at.
"""

import json
import re
from pathlib import Path

import httpx
import yaml
from orders_testkit import ORDER_PATH, Trading
from prometheus_client.parser import text_string_to_metric_families

INFRA = Path(__file__).parents[3] / "infra"
PROMQL_WORDS = {
    "by", "without", "on", "ignoring", "group_left", "group_right", "and", "or", "unless",
    "bool", "offset", "inf", "nan",
}  # fmt: skip
SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}


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


async def exposed(trading: Trading) -> set[str]:
    """Every sample name the services can produce, including labelled metrics that have
    not been observed yet (their HELP/TYPE lines are there already)."""
    names: set[str] = set()
    async with httpx.AsyncClient(timeout=30) as client:
        for service in ORDER_PATH:
            response = await client.get(f"{trading.stack.url_of(service)}/metrics")
            assert response.status_code == 200, (service, response.text)
            for family in text_string_to_metric_families(response.text):
                names.update(family.name + s for s in SUFFIXES.get(family.type, [""]))
                names.update(sample.name for sample in family.samples)
    return names


def test_metric_names_finds_names_and_skips_functions_labels_and_groupings() -> None:
    expr = (
        'histogram_quantile(0.99, sum by (le, operation) (rate(a_seconds_bucket{outcome!="ok",'
        'x=~"y|z"}[$__rate_interval]))) / on (job) b_total > 0 or vector(0)'
    )
    assert metric_names(expr) == {"a_seconds_bucket", "b_total"}


async def test_every_metric_a_dashboard_or_alert_uses_is_exposed(trading: Trading) -> None:
    available = await exposed(trading)
    used = {**dashboard_exprs(), **alert_exprs(), **alert_test_series()}
    assert len(dashboard_exprs()) >= 20 and len(alert_exprs()) >= 10
    assert [where for where, expr in used.items() if not metric_names(expr)] == []
    missing = {
        where: sorted(metric_names(expr) - available)
        for where, expr in used.items()
        if metric_names(expr) - available
    }
    assert missing == {}, f"not exposed by any service: {missing}"
    assert "broker_adapter_orders_total" in available  # the scrape saw the services


async def test_a_misspelt_metric_name_would_be_caught(trading: Trading) -> None:
    available = await exposed(trading)
    assert metric_names("rate(broker_adapter_order_total[5m])") - available == {
        "broker_adapter_order_total"
    }
