"""The audit log: who did what, to what, when, under which correlation id.

Call `record(...)` for every change a user makes (users, clients, orders, exits, the kill
switch), inside the same transaction as the change when there is one, so the log and the
data cannot disagree. `details` is stored as JSON: put what was asked (fields, quantities),
never a secret (passwords, API keys, TOTP secrets, tokens).
"""

from collections.abc import Mapping
from typing import Any

import asyncpg
from common.logs import correlation_id

from gateway import store_audit
from gateway.auth.deps import CurrentUser


async def record(
    db: asyncpg.Pool | asyncpg.Connection,
    user: CurrentUser | str,
    action: str,
    target: str | None,
    details: Mapping[str, Any] | None = None,
) -> None:
    """Append one entry. `user` is the acting user, or a service name for automatic actions.

    `action` is a dotted verb such as "client.create", "order.place", "killswitch.on";
    `target` names what it acted on (a client id, an order or batch id, a username).
    """
    if isinstance(user, CurrentUser):
        actor, role = user.username, user.role.value
    else:
        actor, role = user, None
    await store_audit.append(
        db,
        actor=actor,
        actor_role=role,
        action=action,
        target=target,
        correlation_id=correlation_id(),
        details=dict(details or {}),
    )
