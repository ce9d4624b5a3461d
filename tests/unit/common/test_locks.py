"""ClientLocks: a client's holders run one at a time; overlapping sets never deadlock."""

import asyncio

from common.locks import ClientLocks


async def test_overlapping_client_sets_serialize_per_client_and_never_deadlock() -> None:
    locks = ClientLocks()
    inside: dict[str, int] = {"A": 0, "B": 0, "C": 0}
    most: dict[str, int] = {"A": 0, "B": 0, "C": 0}

    async def hold(clients: list[str]) -> None:
        async with locks.all_of(clients):
            for c in set(clients):
                inside[c] += 1
                most[c] = max(most[c], inside[c])
            await asyncio.sleep(0.01)
            for c in set(clients):
                inside[c] -= 1

    sets = [["A", "B"], ["B", "A"], ["C", "B"], ["A"], ["C", "A", "C"]] * 4
    async with asyncio.timeout(5):
        await asyncio.gather(*(hold(s) for s in sets))
    assert most == {"A": 1, "B": 1, "C": 1}
