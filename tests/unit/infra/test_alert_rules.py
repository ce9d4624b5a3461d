"""The alert rules fire when they should, and Prometheus accepts its configuration: Prometheus's
own promtool runs the rule unit tests of infra/prometheus/alerts_test.yml (synthetic series,
expected alerts and annotations). promtool ships with Prometheus (Debian: `apt-get install
prometheus`, which .ci/run does); without it these tests are skipped, saying so, except in CI
(CI set), where they fail."""

import os
import shutil
import subprocess
from pathlib import Path

import pytest

PROMETHEUS = Path(__file__).parents[3] / "infra" / "prometheus"


def promtool(*args: str) -> subprocess.CompletedProcess[str]:
    found = shutil.which("promtool")
    if found is None:
        if os.environ.get("CI"):
            pytest.fail("promtool is missing in CI (.ci/run installs Debian's prometheus)")
        pytest.skip("promtool not installed (apt-get install prometheus)")
    return subprocess.run(
        [found, *args], cwd=PROMETHEUS, capture_output=True, text=True, timeout=120
    )


def test_alert_rules_pass_their_unit_tests() -> None:
    result = promtool("test", "rules", "alerts_test.yml")
    assert result.returncode == 0, result.stdout + result.stderr


def test_prometheus_accepts_its_configuration_and_rules() -> None:
    result = promtool("check", "config", "prometheus.yml")
    assert result.returncode == 0, result.stdout + result.stderr
