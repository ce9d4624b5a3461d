"""The simulator's demo accounts as platform clients, so a newcomer can trade at once.

Dev mode only (PLATFORM_DEV_MODE=true and GATEWAY_REGISTER_DEMO_CLIENTS, on by default):
when the registry is empty at start, every account of data/sim-accounts.json
(GATEWAY_DEMO_ACCOUNTS_PATH) is registered with client_id = its client code, its
credentials sealed like any other client's, in the group "demo".
"""

import asyncio
import json
import logging
from pathlib import Path
from typing import Any

from common.enums import Exchange, TradeType
from pydantic import ValidationError

from gateway.auth.deps import CurrentUser
from gateway.auth.roles import Role
from gateway.clients import store_clients
from gateway.clients.models import ClientCreate
from gateway.clients.registry import Conflict, Registry

log = logging.getLogger(__name__)

ACTOR = CurrentUser(username="gateway:demo-clients", role=Role.ADMIN)
DEMO_GROUP = "demo"


def demo_client(account: dict[str, Any]) -> ClientCreate:
    code = str(account["client_code"]).upper()
    return ClientCreate(
        client_id=code,
        name=str(account.get("name") or code).title(),
        motilal_client_id=code,
        api_key=account["api_key"],
        password=account["password"],
        dob=account.get("dob"),
        pan=account.get("pan"),
        totp_secret=account.get("totp_secret"),
        exchanges=[Exchange.NSE, Exchange.BSE, Exchange.NSEFO],
        trade_types=list(TradeType),
        groups=[DEMO_GROUP],
    )


async def register_demo_clients(registry: Registry, path: Path) -> list[str]:
    """Register every demo account if no client exists yet; returns the ids registered."""
    if await store_clients.count_clients(registry.pool) > 0:
        log.info("clients already registered; demo accounts not added")
        return []
    accounts = json.loads(await asyncio.to_thread(path.read_text, encoding="utf-8"))
    registered: list[str] = []
    for index, account in enumerate(accounts):
        if account.get("dealer_of"):
            continue  # a dealer is not a client: an admin registers it (POST /api/v1/dealers)
        try:
            body = demo_client(account)
        except (KeyError, ValidationError) as error:
            log.error("demo account #%d in %s is unusable: %s", index, path, error)
            continue
        try:
            await registry.create(ACTOR, body)
        except Conflict:
            continue  # another gateway replica registered it first
        registered.append(body.motilal_client_id)
    log.warning(
        "DEV MODE: registered %d demo clients from %s: %s",
        len(registered),
        path,
        ", ".join(registered),
    )
    return registered
