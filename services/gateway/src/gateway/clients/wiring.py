"""Wires the client registry into the gateway's runtime (app.py calls `wire` once).

- consumes `accounts.sessions.v1` into `client_sessions`, so GET /api/v1/clients shows
  each client's broker session and last login error;
- after Kafka is up, publishes every client again (a broker that lost the compacted topic,
  e.g. the in-memory dev broker, gets the registry back) and, in dev mode, registers the
  simulator's demo accounts on first start;
- /ready reports "not ready" until that start-up work is done, so nobody sees an empty
  registry that is about to fill.
"""

import logging
from collections.abc import Sequence
from typing import cast

from common.contracts.accounts import SessionChanged
from common.contracts.envelope import Message
from common.service import ServiceRuntime
from common.topics import SESSIONS

from gateway.clients import store_clients
from gateway.clients.demo import register_demo_clients
from gateway.clients.registry import Registry
from gateway.clients.signing import signing_key_from
from gateway.config import GatewaySettings
from gateway.credentials import SealingUnavailable, public_key_from

log = logging.getLogger(__name__)


def wire(runtime: ServiceRuntime) -> None:
    settings = cast(GatewaySettings, runtime.settings)
    started = {"done": False}

    async def on_sessions(messages: Sequence[Message]) -> None:
        for message in messages:
            if isinstance(message, SessionChanged):
                await store_clients.apply_session(runtime.pool, message)

    async def registry_startup() -> None:
        try:
            try:
                key = public_key_from(settings.credentials_public_key)
            except SealingUnavailable as error:
                log.error("%s; clients cannot be registered with credentials", error)
                key = None
            signer = signing_key_from(settings.registry_signing_key)
            if signer is None:
                log.warning("DEV MODE: accounts.clients.v1 messages go out unsigned")
            registry = Registry(runtime.pool, runtime.publisher, key, signer)
            if settings.dev_mode and settings.register_demo_clients and key is not None:
                await register_demo_clients(registry, settings.demo_accounts_path)
            count = await registry.republish_all()
            log.info("published %d clients to the registry topic", count)
        finally:
            started["done"] = True

    async def registry_ready() -> str | None:
        return None if started["done"] else "client registry start-up still running"

    runtime.consume(SESSIONS, on_sessions, group="gateway-sessions")
    runtime.background(registry_startup)
    runtime.add_check("client_registry", registry_ready)
