"""The fault drills in their short CI form (the full ones: `make drill`).

They run on a platform of their own (bench.harness.Harness: its own embedded stack, the
instrumented simulator, every service), not on the session `stack`, because they kill
services and take the broker down. One platform serves the drills, in the order
`python -m bench.drill` runs them (the fuzz drill last: it changes state freely).
"""

from collections.abc import AsyncIterator
from pathlib import Path

import pytest
from bench.drill.run import DrillPlan, DrillRun

pytestmark = [pytest.mark.slow, pytest.mark.timeout(900)]


@pytest.fixture(scope="module")
async def drills(tmp_path_factory: pytest.TempPathFactory) -> AsyncIterator[DrillRun]:
    folder: Path = tmp_path_factory.mktemp("drills")
    run = DrillRun(DrillPlan.short(), folder)
    try:
        await run.start()
        yield run
    finally:
        await run.stop()


async def _assert_passed(run: DrillRun, drill: str) -> None:
    checks = await run.run(drill)
    failed = [c.line() for c in checks if not c.passed]
    assert not failed, "\n".join(failed)


async def test_drill_malformed_messages_on_every_topic_go_to_dlq_and_consumers_continue(
    drills: DrillRun,
) -> None:
    await _assert_passed(drills, "dlq")


async def test_drill_broker_down_mid_batch_orders_wait_then_end_without_duplicates(
    drills: DrillRun,
) -> None:
    await _assert_passed(drills, "down")


async def test_drill_services_killed_under_broker_faults_lose_and_double_nothing(
    drills: DrillRun,
) -> None:
    await _assert_passed(drills, "kills")


async def test_drill_two_replicas_each_one_killed_lose_double_and_reorder_nothing(
    drills: DrillRun,
) -> None:
    await _assert_passed(drills, "replicas")


async def test_drill_postgres_and_redis_killed_mid_stream_lose_double_and_fail_nothing(
    drills: DrillRun,
) -> None:
    await _assert_passed(drills, "outages")


async def test_drill_gateway_openapi_fuzz_finds_no_5xx_and_no_schema_violation(
    drills: DrillRun,
) -> None:
    await _assert_passed(drills, "fuzz")
