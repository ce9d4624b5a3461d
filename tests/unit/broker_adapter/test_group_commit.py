import asyncio
from collections.abc import Sequence

import pytest
from broker_adapter.execution.group_commit import GroupCommit


class Recorder:
    def __init__(self, fail_on: int | None = None) -> None:
        self.rounds: list[list[int]] = []
        self.fail_on = fail_on

    async def flush(self, items: Sequence[int]) -> Sequence[int]:
        self.rounds.append(list(items))
        await asyncio.sleep(0.01)  # a round trip: callers arriving meanwhile wait for the next
        if self.fail_on in items:
            raise RuntimeError("database said no")
        return [i * 10 for i in items]


async def test_group_commit_concurrent_callers_share_rounds_and_get_their_own_results() -> None:
    recorder = Recorder()
    commit: GroupCommit[int, int] = GroupCommit(recorder.flush)
    results = await asyncio.gather(*(commit.submit(i) for i in range(100)))
    assert results == [i * 10 for i in range(100)]
    assert sorted(i for r in recorder.rounds for i in r) == list(range(100))
    assert len(recorder.rounds) <= 2  # the first caller alone, then everyone who came meanwhile


async def test_group_commit_lone_caller_flushes_at_once_without_waiting_for_company() -> None:
    recorder = Recorder()
    commit: GroupCommit[int, int] = GroupCommit(recorder.flush)
    assert await asyncio.wait_for(commit.submit(7), timeout=5) == 70
    assert recorder.rounds == [[7]]


async def test_group_commit_failed_round_fails_its_callers_only() -> None:
    recorder = Recorder(fail_on=1)
    commit: GroupCommit[int, int] = GroupCommit(recorder.flush)
    first = asyncio.create_task(commit.submit(1))
    await asyncio.sleep(0)
    later = asyncio.create_task(commit.submit(2))
    with pytest.raises(RuntimeError, match="database said no"):
        await first
    assert await later == 20


async def test_group_commit_rounds_are_capped_at_max_items() -> None:
    recorder = Recorder()
    commit: GroupCommit[int, int] = GroupCommit(recorder.flush, max_items=10)
    await asyncio.gather(*(commit.submit(i) for i in range(35)))
    assert max(len(r) for r in recorder.rounds) <= 10
