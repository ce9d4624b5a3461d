"""orders.commands.v1: the durable inbox and the per-client workers that drain it.

The Kafka handler only stores each batch in `command_inbox` (one statement; a redelivered
command is ignored) and returns, so the offset is committed once the commands are durable.
The stored rows go straight to their client's queue in memory: one asyncio task per client
with pending commands executes that client's rows in order, while different clients run
side by side: a 1,000-client batch runs in parallel, limited only by each client's own
rate bucket. Finished rows are marked done together (group commit).

Replicas share the inbox. Each row is leased to the replica that runs it, which renews
its leases every third of `command_lease_seconds`; a replica that dies stops renewing, and
once its leases run out another claims its clients' unfinished rows (at start-up, a
replica claims what is free). A place whose intent may already be at the broker is
reconciled by tag before anything is sent again (executor.py). One replica runs a client's
rows at a time: a client's new rows go to the replica still running its earlier ones.
The orders a dead replica had placed pass on with the same renewals (tracking/takeover.py).
"""

import asyncio
import logging
import time
from collections import OrderedDict, deque
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field

import asyncpg
from common.contracts.commands import CancelOrder, ModifyOrder, PlaceOrder
from common.contracts.envelope import Message
from common.logs import bound

from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.execution import store_inbox as inbox
from broker_adapter.execution.broker import SESSION_ERROR, Park
from broker_adapter.execution.changes import Change, Changes
from broker_adapter.execution.executor import Executor
from broker_adapter.execution.group_commit import GroupCommit
from broker_adapter.sessions.session import SessionUnavailable

log = logging.getLogger(__name__)
_MAX_BACKOFF = 10.0
_RECENT_DONE = 10_000


@dataclass(eq=False)
class CommandWorkers:
    settings: BrokerAdapterSettings
    pool: asyncpg.Pool
    executor: Executor
    changes: Changes
    _queues: dict[str, deque[inbox.InboxRow]] = field(init=False, default_factory=dict)
    _queued: set[int] = field(init=False, default_factory=set)
    _tasks: dict[str, asyncio.Task[None]] = field(init=False, default_factory=dict)
    idle: asyncio.Event = field(init=False, default_factory=asyncio.Event)
    """Set while no client has a command to run (nothing is being placed)."""
    owner: str = field(init=False)
    """This process, in the inbox's leases."""
    _recent_done: OrderedDict[int, None] = field(init=False, default_factory=OrderedDict)
    """Rows finished lately: a lease renewal read just before one was marked done must not
    queue it again."""
    _parked_since: dict[int, float] = field(init=False, default_factory=dict)
    _finished: GroupCommit[tuple[int, str], None] = field(init=False)
    renewed: Callable[[], Awaitable[None]] | None = field(init=False, default=None)
    """Runs with the lease renewals: this replica's beat, and the takeover of a gone
    replica's open orders (tracking/takeover.py; wired in app.py)."""

    def __post_init__(self) -> None:
        self.idle.set()
        self.owner = self.settings.egress.inbox_owner()
        self._finished = GroupCommit(self._finish_many)

    async def handle_batch(self, messages: Sequence[Message]) -> None:
        """The orders.commands.v1 batch handler: store, queue to the clients' workers, return."""
        commands = [m for m in messages if isinstance(m, PlaceOrder | ModifyOrder | CancelOrder)]
        if commands:
            lease = self.settings.command_lease_seconds
            stored = await inbox.store_commands(self.pool, commands, self.owner, lease)
            if any(row.behind for row in stored):
                # queued with the client's earlier rows (a dead replica's are claimed now),
                # oldest first: a client's stranded command runs before its new ones
                await self.resume()
            else:  # the common case: straight to the workers, no second statement first
                self._queue(stored)

    async def resume(self) -> None:
        """Queues every unfinished command this replica may run and has not queued: renews
        its leases and claims those that ran out (stored before, or by a replica now gone).
        At start-up, after each stored batch and with every lease renewal."""
        known = self._queued | self._recent_done.keys()
        rows = await inbox.renew_and_claim(
            self.pool, self.owner, self.settings.command_lease_seconds, known
        )
        self._queue(rows)

    async def keep_leases(self) -> None:
        """Background loop: renew this replica's leases, take over a dead one's commands,
        and with each renewal (and at once) run `renewed`."""
        await self._renewed()
        while True:
            await asyncio.sleep(self.settings.command_lease_seconds / 3)
            try:
                await self.resume()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("inbox leases not renewed (%r); retrying", error)
            await self._renewed()

    async def _renewed(self) -> None:
        if self.renewed is None:
            return
        try:
            await self.renewed()
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("replica beat not renewed (%r); retrying", error)
        except Exception:  # the leases must go on being renewed whatever it does
            log.exception("taking over a gone replica's orders failed; retrying")

    def _queue(self, rows: Sequence[inbox.InboxRow]) -> None:
        for row in rows:
            if row.seq in self._queued or row.seq in self._recent_done:
                continue  # stored by the consumer and claimed by resume, or just finished
            self._queued.add(row.seq)
            client_id = row.command.client_id
            self._queues.setdefault(client_id, deque()).append(row)
            if client_id not in self._tasks:
                self.idle.clear()
                self._tasks[client_id] = asyncio.create_task(
                    self._drain(client_id), name=f"commands:{client_id}"
                )

    async def _drain(self, client_id: str) -> None:
        queue = self._queues[client_id]
        try:
            backoff = 0.2
            while queue:
                row = queue[0]
                if await self._run(row):
                    queue.popleft()
                    self._recent_done[row.seq] = None
                    if len(self._recent_done) > _RECENT_DONE:
                        self._recent_done.popitem(last=False)
                    self._queued.discard(row.seq)
                    backoff = 0.2
                    continue
                await asyncio.sleep(backoff)
                backoff = min(backoff * 2, _MAX_BACKOFF)
        finally:
            self._tasks.pop(client_id, None)
            if not queue:
                self._queues.pop(client_id, None)
            if not self._tasks:
                self.idle.set()

    async def _run(self, row: inbox.InboxRow) -> bool:
        """Executes one row; True when it is finished (done or given up)."""
        command = row.command
        with bound(
            correlation_id=command.correlation_id,
            client_id=command.client_id,
            order_id=command.order_id,
        ):
            try:
                outcome = await self._execute(command)
            except Park as park:
                return await self._parked(row, str(park))
            except SessionUnavailable as error:
                outcome = await self._session_failed(command, error)
            except (OSError, asyncpg.PostgresConnectionError) as error:
                log.warning("infrastructure error on %s: %r; retrying", command.type, error)
                return False
            except Exception as error:
                log.exception("command %s failed (attempt %d)", command.type, row.attempts + 1)
                await inbox.count_attempt(self.pool, row.seq)
                row.attempts += 1
                if row.attempts < self.settings.command_max_attempts:
                    return False
                outcome = await self._give_up(command, repr(error))
            self._parked_since.pop(row.seq, None)
            await self._finish(row.seq, outcome)
            log.info("%s %s: %s", command.type, command.order_id, outcome)
            return True

    async def _execute(self, command: PlaceOrder | ModifyOrder | CancelOrder) -> str:
        if isinstance(command, PlaceOrder):
            return await self.executor.place(command)
        if isinstance(command, ModifyOrder):
            return await self.changes.modify(command)
        return await self.changes.cancel(command)

    async def _parked(self, row: inbox.InboxRow, reason: str) -> bool:
        since = self._parked_since.setdefault(row.seq, time.monotonic())
        waited = time.monotonic() - since
        if waited < self.settings.session_wait_seconds or not isinstance(row.command, PlaceOrder):
            log.info("command parked (%.0f s so far): %s", waited, reason)
            return False
        outcome = await self.executor.reject_unplaceable(
            row.command, f"not placed after waiting {waited:.0f} s: {reason}", SESSION_ERROR
        )
        self._parked_since.pop(row.seq, None)
        await self._finish(row.seq, outcome)
        return True

    async def _session_failed(
        self, command: PlaceOrder | ModifyOrder | CancelOrder, error: SessionUnavailable
    ) -> str:
        if isinstance(command, PlaceOrder):
            return await self.executor.reject_unplaceable(command, error.reason, SESSION_ERROR)
        return await self.changes.change_rejected(
            command, _change(command), SESSION_ERROR, error.reason
        )

    async def _give_up(self, command: PlaceOrder | ModifyOrder | CancelOrder, reason: str) -> str:
        if isinstance(command, PlaceOrder):
            return await self.executor.reject_unplaceable(command, reason)
        return await self.changes.change_rejected(command, _change(command), "ADAPTER", reason)

    async def _finish(self, seq: int, outcome: str) -> None:
        """Marks the row done; waits out an outage, since the command itself has run."""
        while True:
            try:
                await self._finished.submit((seq, outcome))
                return
            except (OSError, asyncpg.PostgresConnectionError) as error:
                log.warning("inbox row %d not marked done (%r); retrying", seq, error)
                await asyncio.sleep(1.0)

    async def _finish_many(self, rows: Sequence[tuple[int, str]]) -> Sequence[None]:
        await inbox.finish_many(self.pool, rows)
        return [None] * len(rows)

    async def stop(self) -> None:
        tasks = list(self._tasks.values())
        for task in tasks:
            task.cancel()
        await asyncio.gather(*tasks, return_exceptions=True)


def _change(command: ModifyOrder | CancelOrder) -> Change:
    return "modify" if isinstance(command, ModifyOrder) else "cancel"
