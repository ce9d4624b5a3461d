"""The adapter's copy of the client registry, fed by accounts.clients.v1 (compacted).

Each ClientUpserted the gateway signed (sessions.signature refuses the others) is written
to `accounts` (sealed credentials kept sealed), each DealerUpserted to `dealers`, unless a
newer message for the client or dealer is already there, so redelivery and replays change
nothing. The
adapter therefore works after a restart without asking the gateway. When a client is new or
its credentials were replaced, its session is reset and (if enabled) a login is started in
the background, so a wrong password shows up on the client at once. With egress pools each
pool reads every message (a group of its own) and applies those of its own clients
(egress.py), so the pool that owns a client sees its change and logs it in.
"""

import asyncio
import logging
from collections.abc import Sequence
from dataclasses import KW_ONLY, InitVar, dataclass, field
from typing import cast

from common.contracts.accounts import ClientUpserted, dealer_key
from common.contracts.envelope import Message
from common.service import ServiceRuntime

from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.egress import EgressPools, pool_of_registered
from broker_adapter.sessions import store_sessions
from broker_adapter.sessions.manager import SessionManager
from broker_adapter.sessions.signature import RegistryVerifier, registry_verifier

log = logging.getLogger(__name__)


@dataclass(eq=False)
class Registry:
    runtime: ServiceRuntime
    sessions: SessionManager
    _: KW_ONLY
    login_on_register: bool
    login_concurrency: InitVar[int]
    _logins: asyncio.Semaphore = field(init=False)
    _tasks: set[asyncio.Task[None]] = field(init=False, default_factory=set)
    _verifier: RegistryVerifier = field(init=False)
    _egress: EgressPools = field(init=False)

    def __post_init__(self, login_concurrency: int) -> None:
        self._logins = asyncio.Semaphore(login_concurrency)
        settings = cast(BrokerAdapterSettings, self.runtime.settings)
        self._verifier = registry_verifier(settings.registry_verify_key, dev_mode=settings.dev_mode)
        self._egress = settings.egress

    async def handle(self, messages: Sequence[Message]) -> None:
        for message in self._verifier.genuine_registry(messages):
            client = message if isinstance(message, ClientUpserted) else None  # dealer: default
            if not self._egress.answers_for(pool_of_registered(client)):
                continue  # its own pool stores it (one database) and logs it in
            if isinstance(message, ClientUpserted):
                key = message.client_id
                before, after = await store_sessions.upsert_account(self.runtime.pool, message)
            else:
                key = dealer_key(message.dealer_id)
                before, after = await store_sessions.upsert_dealer(self.runtime.pool, message)
            if after is None and before is None:
                continue  # stale or no credentials at all
            if before != after:
                await self.sessions.credentials_changed(key)
                log.info("%s: credentials (or dealer) new or replaced", key)
                if self.login_on_register and message.active and after is not None:
                    self._spawn_login(key)

    def _spawn_login(self, client_id: str) -> None:
        task = asyncio.create_task(self._login(client_id), name=f"login-{client_id}")
        self._tasks.add(task)
        task.add_done_callback(self._tasks.discard)

    async def _login(self, client_id: str) -> None:
        async with self._logins:
            try:
                await self.sessions.refresh(client_id)
            except Exception:
                log.exception("background login of %s failed unexpectedly", client_id)

    async def stop(self) -> None:
        for task in self._tasks:
            task.cancel()
        await asyncio.gather(*self._tasks, return_exceptions=True)
