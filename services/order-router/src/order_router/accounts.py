"""The router's copies of account facts (clients, sessions, margins) and kill switches.

Risk answers from memory (`AccountBook`): no query per request. The facts arrive on the
compacted account topics and on orders.requests.v1 (kill switch); `AccountCopies` writes
each Kafka batch to the router's tables with one statement (so a restart loads them once
instead of replaying topics), then to memory.

Several router replicas share one consumer group, so each consumes only some partitions
of the account topics. A replica that wrote a change NOTIFYs the others on one PostgreSQL
channel with the keys it changed; they re-read just those rows. The listener is started
before the first full load, so nothing committed in between is missed; after a lost
listener connection the whole copy is reloaded. Every fact carries the time that orders
it (the message's time, the snapshot's time), and memory never goes back to an older one,
so reloads racing each other or a local write cannot undo a newer fact.
"""

import asyncio
import json
import logging
import uuid
from collections.abc import Awaitable, Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime
from decimal import Decimal
from typing import Any, TypeVar

import asyncpg
from common.contracts.accounts import ClientUpserted, MarginSnapshot, SessionChanged
from common.contracts.envelope import Message

from order_router import store_accounts, store_kill_switches
from order_router.risk import BrokerSession, ClientState, KillSwitch
from order_router.store_accounts import Dated, StoredAccounts

log = logging.getLogger(__name__)

CHANNEL = "order_router_facts"
"""PostgreSQL NOTIFY channel on which replicas tell each other which facts changed."""
PAYLOAD_BYTES = 7000
"""Largest NOTIFY payload we send (PostgreSQL's limit is 8000 bytes)."""

M = TypeVar("M", ClientUpserted, SessionChanged)
Connect = Callable[[], Awaitable[asyncpg.Connection]]


@dataclass(frozen=True)
class AccountFacts:
    """What risk needs about the clients of one request."""

    clients: dict[str, ClientState]
    sessions: dict[str, BrokerSession]
    margin_rows: dict[str, dict[int, Decimal]]  # client -> srno -> amount (latest report)


@dataclass
class AccountBook:
    """In-memory facts, each kept with its ordering time (pure, no I/O)."""

    clients: dict[str, Dated] = field(default_factory=dict)
    sessions: dict[str, Dated] = field(default_factory=dict)
    margins: dict[str, dict[str, Dated]] = field(default_factory=dict)  # client, report
    kill_switches: dict[str, Dated] = field(default_factory=dict)  # scope -> reason|None
    _kill: KillSwitch = field(default_factory=KillSwitch)

    def facts(self, client_ids: Sequence[str]) -> AccountFacts:
        clients, sessions, margins = {}, {}, {}
        for c in client_ids:
            if (client := self.clients.get(c)) is not None:
                clients[c] = client.value
            if (session := self.sessions.get(c)) is not None:
                sessions[c] = session.value
            reports = self.margins.get(c)
            if reports:  # the newest report of either kind, as it was read before
                margins[c] = max(reports.values(), key=lambda d: d.at).value
        return AccountFacts(clients, sessions, margins)

    def margin_times(self, client_ids: Sequence[str]) -> dict[str, datetime]:
        """When each client's newest margin report (the one `facts` answers) was read."""
        return {
            c: max(d.at for d in reports.values())
            for c in client_ids
            if (reports := self.margins.get(c))
        }

    def missing(self, client_ids: Sequence[str]) -> list[str]:
        return [c for c in client_ids if c not in self.clients]

    def kill_switch(self) -> KillSwitch:
        return self._kill

    def put(self, stored: StoredAccounts) -> None:
        for client_id, dated in stored.clients.items():
            _newer(self.clients, client_id, dated)
        for client_id, dated in stored.sessions.items():
            _newer(self.sessions, client_id, dated)
        for (client_id, report), dated in stored.margins.items():
            _newer(self.margins.setdefault(client_id, {}), report, dated)

    def put_kill_switches(self, rows: Sequence[Any]) -> None:
        """Rows of the kill_switches table (or what set_kill_switch returned)."""
        for r in rows:
            reason = r["reason"] if r["engaged"] else None
            _newer(self.kill_switches, r["scope"], Dated(r["updated_at"], reason))
        engaged = {s: d.value for s, d in self.kill_switches.items() if d.value is not None}
        self._kill = KillSwitch(
            global_reason=engaged.pop(store_kill_switches.GLOBAL_SCOPE, None),
            client_reasons=engaged,
        )


def _newer(facts: dict[str, Dated], key: str, dated: Dated) -> None:
    """Keep the newer fact (a tie takes the new one, as the table's upsert does)."""
    current = facts.get(key)
    if current is None or current.at <= dated.at:
        facts[key] = dated


class AccountCopies:
    """Consumers of the account topics and the kill switch's writer, for one replica."""

    def __init__(self, pool: asyncpg.Pool, book: AccountBook, connect: Connect) -> None:
        self.pool = pool
        self.book = book
        self.connect = connect
        self.origin = uuid.uuid4().hex  # this replica, so it skips its own notices
        self._listener: asyncpg.Connection | None = None
        self._lost = asyncio.Event()
        self._reloads: set[asyncio.Task[None]] = set()

    # --- start and keep in step -------------------------------------------------------

    async def start(self) -> None:
        """Listen for other replicas' changes, then load every fact once."""
        self._lost.clear()
        listener = await self.connect()
        listener.add_termination_listener(lambda _conn: self._lost.set())
        await listener.add_listener(CHANNEL, self._on_notice)
        self._listener = listener
        self.book.put(await store_accounts.load_accounts(self.pool, None))
        self.book.put_kill_switches(await store_kill_switches.kill_switches(self.pool))
        log.info(
            "account copies loaded: %d clients, %d sessions, %d with margins, %d kill switches",
            len(self.book.clients),
            len(self.book.sessions),
            len(self.book.margins),
            len(self.book.kill_switches),
        )

    async def keep_listening(self) -> None:
        """Background loop: after a lost listener connection, listen again and reload."""
        while True:
            await self._lost.wait()
            log.warning("lost the account-facts listener; reconnecting and reloading")
            await self.close()
            try:
                await self.start()
            except (OSError, asyncpg.PostgresError) as error:
                log.warning("account-facts listener: %r; retrying in 1 s", error)
                self._lost.set()
                await asyncio.sleep(1.0)

    async def close(self) -> None:
        listener, self._listener = self._listener, None
        if listener is not None and not listener.is_closed():
            await listener.close()

    def _on_notice(self, _conn: Any, _pid: int, _channel: str, payload: str) -> None:
        notice = json.loads(payload)
        if notice["origin"] == self.origin:
            return  # our own change: memory has it already
        task = asyncio.create_task(self._reload(notice["kind"], notice["keys"]))
        self._reloads.add(task)
        task.add_done_callback(self._reloads.discard)

    async def _reload(self, kind: str, keys: list[str]) -> None:
        try:
            if kind == "kill_switch":
                self.book.put_kill_switches(
                    await store_kill_switches.kill_switches(self.pool, keys)
                )
            else:
                self.book.put(await store_accounts.load_accounts(self.pool, keys))
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("could not re-read %s %s (%r); reloading everything", kind, keys, error)
            self._lost.set()  # a missed change must not stay missed: full reload

    async def refresh(self, client_ids: Sequence[str]) -> None:
        """Re-read some clients (one that the gateway just registered may reach another
        replica's consumer, or ours a moment later)."""
        self.book.put(await store_accounts.load_accounts(self.pool, client_ids))

    async def _tell(self, kind: str, keys: Sequence[str]) -> None:
        await store_accounts.notify(self.pool, CHANNEL, _payloads(self.origin, kind, keys))

    # --- consumers and writers --------------------------------------------------------

    async def on_clients(self, messages: Sequence[Message]) -> None:
        latest = _latest([m for m in messages if isinstance(m, ClientUpserted)])
        if not latest:
            return
        changed = await store_accounts.upsert_clients(self.pool, latest)
        clients = {m.client_id: Dated(m.occurred_at, _client(m)) for m in latest}
        self.book.put(StoredAccounts(clients=clients))
        await self._tell("clients", changed)

    async def on_sessions(self, messages: Sequence[Message]) -> None:
        latest = _latest([m for m in messages if isinstance(m, SessionChanged)])
        if not latest:
            return
        changed = await store_accounts.upsert_sessions(self.pool, latest)
        sessions = {
            m.client_id: Dated(m.occurred_at, BrokerSession(m.state, m.reason, m.error_code))
            for m in latest
        }
        self.book.put(StoredAccounts(sessions=sessions))
        await self._tell("sessions", changed)

    async def on_margins(self, messages: Sequence[Message]) -> None:
        newest: dict[tuple[str, str], MarginSnapshot] = {}
        for m in messages:
            if not isinstance(m, MarginSnapshot):
                continue
            key = (m.client_id, m.report)
            if key not in newest or newest[key].taken_at <= m.taken_at:
                newest[key] = m
        if not newest:
            return
        changed = await store_accounts.upsert_margins(self.pool, list(newest.values()))
        margins = {
            key: Dated(m.taken_at, {r.srno: r.amount for r in m.rows}) for key, m in newest.items()
        }
        self.book.put(StoredAccounts(margins=margins))
        await self._tell("margins", changed)

    async def set_kill_switch(self, scope: str, engaged: bool, reason: str, actor: str) -> None:
        row = await store_kill_switches.set_kill_switch(self.pool, scope, engaged, reason, actor)
        self.book.put_kill_switches([row])
        await self._tell("kill_switch", [scope])


def _client(m: ClientUpserted) -> ClientState:
    return ClientState(
        client_id=m.client_id,
        active=m.active,
        exchanges=frozenset(m.exchanges),
        trade_types=frozenset(m.trade_types),
        limits=m.limits,
    )


def _latest(messages: Sequence[M]) -> list[M]:
    by_client: dict[str, M] = {}
    for m in messages:
        if m.client_id not in by_client or by_client[m.client_id].occurred_at <= m.occurred_at:
            by_client[m.client_id] = m
    return list(by_client.values())


def _payloads(origin: str, kind: str, keys: Sequence[str]) -> list[str]:
    """Notices naming `keys`, split so each stays under PAYLOAD_BYTES."""
    payloads: list[str] = []
    chunk: list[str] = []
    size = 0
    for key in keys:
        cost = len(json.dumps(key).encode()) + 2  # the key and its ", "
        if chunk and size + cost > PAYLOAD_BYTES:
            payloads.append(json.dumps({"origin": origin, "kind": kind, "keys": chunk}))
            chunk, size = [], 0
        chunk.append(key)
        size += cost
    if chunk:
        payloads.append(json.dumps({"origin": origin, "kind": kind, "keys": chunk}))
    return payloads
