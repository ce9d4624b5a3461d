"""Every metric name a Grafana panel or a Prometheus alert uses is one a running service
exposes on /metrics: a renamed metric breaks this test, not a dashboard nobody looks at.
"""

import httpx
from observability_kit import alert_exprs, alert_test_series, dashboard_exprs, metric_names
from orders_testkit import ORDER_PATH, Trading
from prometheus_client.parser import text_string_to_metric_families

SUFFIXES = {"counter": ["_total"], "histogram": ["_bucket", "_count", "_sum"], "gauge": [""]}


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
