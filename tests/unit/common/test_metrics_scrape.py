"""/metrics answers whatever its scrape hooks do: a hook that raises or hangs leaves its
gauges as they were, and the others still run."""

import asyncio

import pytest
from common import metrics
from common.consumer_lag import ConsumerLag
from common.metrics import metrics_response
from prometheus_client import Gauge
from prometheus_client.parser import text_string_to_metric_families

READS = Gauge("test_scrape_hook_reads", "Set by a scrape hook in a test")


def _value(text: str, name: str) -> float | None:
    for family in text_string_to_metric_families(text):
        for sample in family.samples:
            if sample.name == name:
                return sample.value
    return None


async def test_a_failing_or_hanging_hook_leaves_its_gauge_and_the_scrape_answers(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setattr(metrics, "SCRAPE_HOOK_TIMEOUT_S", 0.05)
    READS.set(7)

    async def broken() -> None:
        raise ConnectionError("PostgreSQL is down")

    async def hangs() -> None:
        await asyncio.sleep(10)

    async def reads() -> None:
        READS.inc()

    response = await metrics_response([broken, hangs, reads])
    assert response.status_code == 200
    assert _value(bytes(response.body).decode(), "test_scrape_hook_reads") == 8


async def test_consumer_lag_is_declared_before_any_consumer_is_watched() -> None:
    lag = ConsumerLag("test_idle")
    (family,) = lag.collect()
    assert family.name == "test_idle_consumer_lag_messages"
    assert family.samples == []
