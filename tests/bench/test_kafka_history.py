"""The broker-history probe measures the embedded broker at every size it was asked for,
and what it finds about dropping history is what the README says."""

from bench.kafka_history import measure, parse


async def test_probe_measures_each_round_and_reports_retention_and_delete_records() -> None:
    history = await measure(parse(["--rounds", "2", "--batches", "20", "--fetches", "5"]))

    assert [held for held, _, _ in history.rows] == [0, 20, 40]
    # What the README says of tansu 0.6.0, the embedded broker: it keeps what retention
    # should drop, and refuses DeleteRecords. A broker that changes either fails here.
    assert history.retention.startswith("5 of 5 records older than retention.ms=1000")
    assert history.delete_records.startswith("failed:")
