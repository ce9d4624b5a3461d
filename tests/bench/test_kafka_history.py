"""The broker-history probe measures the embedded broker at every size it was asked for."""

from bench.kafka_history import measure, parse


async def test_probe_measures_each_round_and_reports_retention_and_delete_records() -> None:
    history = await measure(parse(["--rounds", "2", "--batches", "20", "--fetches", "5"]))

    assert [held for held, _, _ in history.rows] == [0, 20, 40]
    assert "records older than retention.ms=1000 still fetched" in history.retention
    assert history.delete_records.startswith(("answered:", "failed:"))
