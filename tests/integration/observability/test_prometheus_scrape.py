"""Prometheus itself, with infra/prometheus's rules, scrapes the running services: every
target is up, and every alert rule and every dashboard query evaluates without error on
their real series (an expression can be valid PromQL and still fail on real data, e.g. a
many-to-many match).

Prometheus comes from Debian's prometheus package (.ci/run installs it); without it this test
is skipped, saying so, except in CI (CI set), where it fails.
"""

import asyncio
import os
import shutil
import socket
import subprocess
from pathlib import Path
from typing import Any
from urllib.parse import urlsplit

import httpx
import pytest
import yaml
from observability_kit import dashboard_exprs
from orders_testkit import ORDER_PATH, Trading, wait_for

ALERTS = Path(__file__).parents[3] / "infra" / "prometheus" / "alerts.yml"


def _prometheus() -> str:
    found = shutil.which("prometheus")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("prometheus is missing in CI (.ci/run installs Debian's prometheus)")
        pytest.skip("prometheus not installed (apt-get install prometheus)")
    return found


def _free_port() -> int:
    with socket.socket() as s:
        s.bind(("127.0.0.1", 0))
        port: int = s.getsockname()[1]
        return port


async def test_prometheus_scrapes_every_service_and_evaluates_every_rule(
    trading: Trading, tmp_path: Path
) -> None:
    binary = _prometheus()
    config = {
        "global": {"scrape_interval": "1s", "evaluation_interval": "1s"},
        "rule_files": [str(ALERTS)],
        "scrape_configs": [
            {
                "job_name": service,
                "static_configs": [{"targets": [urlsplit(trading.stack.url_of(service)).netloc]}],
            }
            for service in ORDER_PATH
        ],
    }
    (tmp_path / "prometheus.yml").write_text(yaml.safe_dump(config))
    port = _free_port()
    log = (tmp_path / "prometheus.log").open("w")
    process = await asyncio.create_subprocess_exec(  # our own child, stopped below
        binary,
        f"--config.file={tmp_path / 'prometheus.yml'}",
        f"--storage.tsdb.path={tmp_path / 'data'}",
        f"--web.listen-address=127.0.0.1:{port}",
        stdout=subprocess.DEVNULL,
        stderr=log,
    )
    try:
        async with httpx.AsyncClient(base_url=f"http://127.0.0.1:{port}", timeout=10) as api:

            async def targets_up() -> list[Any] | None:
                try:
                    found = (await api.get("/api/v1/targets")).json()["data"]["activeTargets"]
                except (httpx.HTTPError, ValueError, KeyError):
                    return None
                up = [t for t in found if t["health"] == "up"]
                return up if len(up) == len(ORDER_PATH) else None

            await wait_for(targets_up, 60, "every service's target up in Prometheus")

            async def rules_evaluated() -> list[Any] | None:
                groups = (await api.get("/api/v1/rules")).json()["data"]["groups"]
                rules = [r for g in groups for r in g["rules"]]
                if not rules or any(r.get("lastEvaluation", "").startswith("0001") for r in rules):
                    return None  # some rule not evaluated yet
                return rules

            rules = await wait_for(rules_evaluated, 60, "every rule evaluated once")
            assert len(rules) == sum(
                len(g["rules"]) for g in yaml.safe_load(ALERTS.read_text())["groups"]
            )
            assert {r["name"]: r.get("lastError") for r in rules if r["health"] != "ok"} == {}

            query = {"query": "order_router_consumer_lag_messages"}
            lag = (await api.get("/api/v1/query", params=query)).json()["data"]["result"]
            assert {s["metric"]["topic"] for s in lag} >= {"orders.requests.v1"}

            failed = {}  # every dashboard query runs on the real series too
            for where, expr in dashboard_exprs().items():
                answer = await api.get(
                    "/api/v1/query", params={"query": expr.replace("$__rate_interval", "1m")}
                )
                if answer.json()["status"] != "success":
                    failed[where] = answer.json().get("error")
            assert failed == {}
    finally:
        process.terminate()
        await asyncio.wait_for(process.wait(), 10)
        log.close()
