"""Which clients an adapter replica's account sweep visits, and its reads ending with it
(accounts/snapshots.py)."""

import asyncio

from broker_adapter.accounts.snapshots import AccountSnapshots
from broker_adapter.egress import EgressPools
from broker_adapter.sessions.store_sessions import Account
from common.assignment import Assigned, partition_of
from common.contracts.accounts import ClientNetwork


def _account(client_id: str, pool: str | None = None) -> Account:
    network = None
    if pool is not None:
        network = ClientNetwork(
            public_ip="49.36.12.8", local_ip="10.0.4.21", mac_address="02:42:ac:11:00:02",
            egress_pool=pool,
        )  # fmt: skip
    return Account(client_id, client_id, client_id, True, None, None, network_identity=network)


def _snapshots(accounts: list[Account], assigned: Assigned | None) -> AccountSnapshots:
    snapshots = AccountSnapshots(None, None, 600, 1, 4)  # type: ignore[arg-type]  # not read here

    async def registry() -> list[Account]:
        return accounts

    snapshots.registry = registry
    snapshots.assignment = lambda: assigned
    return snapshots


CLIENTS = [f"C{n:03d}" for n in range(40)]


async def test_two_replicas_split_the_registry_between_them_without_overlap() -> None:
    accounts = [_account(c) for c in CLIENTS]
    first = _snapshots(accounts, Assigned(frozenset({0, 1}), 4))
    second = _snapshots(accounts, Assigned(frozenset({2, 3}), 4))
    mine, theirs = await first.swept(), await second.swept()
    assert sorted(mine + theirs) == CLIENTS  # every client once
    assert mine and theirs
    assert all(partition_of(c, 4) in {0, 1} for c in mine)


async def test_a_restarted_replica_sweeps_the_registry_copy_and_the_clients_it_saw_trade() -> None:
    # nothing consumed since the start: the clients come from PostgreSQL's registry copy
    every = Assigned(frozenset(range(4)), 4)
    snapshots = _snapshots([_account(c) for c in CLIENTS[:3]], every)
    snapshots.traded.add("DEV1")  # fills for a client the registry does not know (dev mode)
    assert await snapshots.swept() == sorted([*CLIENTS[:3], "DEV1"])


async def test_only_the_pools_clients_and_nothing_before_the_group_member_joined() -> None:
    accounts = [_account("A1", "office"), _account("B1", "colo"), _account("D1")]
    every = Assigned(frozenset(range(4)), 4)
    snapshots = _snapshots(accounts, every)
    snapshots.egress = EgressPools.of("office", ["office", "colo"])
    assert await snapshots.swept() == ["A1"]
    assert await _snapshots(accounts, None).swept() == []


class _HangingSessions:
    """A session source whose every lookup waits until the test ends."""

    def __init__(self) -> None:
        self.asked = asyncio.Event()

    async def session_for(self, client_id: str) -> object:
        self.asked.set()
        await asyncio.Event().wait()
        raise AssertionError("unreachable")


def _reads_running() -> list[asyncio.Task[object]]:
    return [
        t for t in asyncio.all_tasks()
        if t.get_coro().__qualname__ == "AccountSnapshots._read_later" and not t.done()  # type: ignore[union-attr]
    ]  # fmt: skip


async def test_stop_cancels_a_read_after_fills_that_already_started() -> None:
    """It must not publish after the producer closed (at shutdown that was a ProducerClosed
    per client whose read had begun, "never retrieved")."""
    sessions = _HangingSessions()
    snapshots = AccountSnapshots(sessions, None, 600, 0, 4)  # type: ignore[arg-type]  # never publishes
    snapshots.poke("C001")
    await asyncio.wait_for(sessions.asked.wait(), 5)  # its read is under way, past its delay
    assert len(_reads_running()) == 1
    await asyncio.wait_for(snapshots.stop(), 5)
    await asyncio.sleep(0)
    assert _reads_running() == []
