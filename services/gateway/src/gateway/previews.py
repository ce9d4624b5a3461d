"""Previews kept for execute-all's `preview_id` (issue 14), and the router's dry run.

A preview stores, per client, the facts it showed: the resolved quantity, the broker
session state, the available margin and risk's verdict. Execute-all with that
`preview_id` (same user, same body, within KEEP_MINUTES) runs the same resolution and dry
run again on the orders it is about to publish; if any fact differs it answers 409 naming
each one, else it places exactly those quantities.
"""

import json
from datetime import datetime, timedelta
from typing import Any

from common.contracts.envelope import utc_now
from common.contracts.requests import BatchRequested
from common.db import Executor
from common.ids import new_id
from common.problems import invalid, problem
from fastapi import HTTPException, status

from gateway.idempotency import request_hash
from gateway.order_models import ExecuteAllIn
from gateway.order_plan import Plan
from gateway.peers import Peer, PeerUnavailable

KEEP_MINUTES = 10
"""How long a preview can be placed: long enough to read it, short enough to be true."""
DRY_RUN = "/internal/risk/dry-run"
Facts = dict[str, dict[str, Any]]


async def dry_run(router: Peer, batch: BatchRequested) -> dict[str, Any]:
    """The order-router's risk verdict on every order of `batch`; nothing is placed."""
    answer = await router.send("POST", DRY_RUN, json=batch.model_dump(mode="json"))
    if answer.status_code != 200:
        raise PeerUnavailable(router.name, f"HTTP {answer.status_code}")
    result: dict[str, Any] = answer.json()
    return result


def facts_of(resolved: Plan, verdicts: dict[str, dict[str, Any]]) -> Facts:
    """What a preview showed of each client, in comparable form."""
    facts: Facts = {}
    for entry in resolved.entries:
        client = resolved.clients.get(entry.client_id)
        verdict = verdicts.get(entry.client_id)
        facts[entry.client_id] = {
            "quantity": entry.quantity,
            "session": None if client is None or client.session is None else client.session.state,
            "available_margin": None if verdict is None else verdict["available_margin"],
            "risk": None if verdict is None else (verdict["rule"] or "approved"),
        }
    return facts


def _body_hash(body: ExecuteAllIn) -> str:
    return request_hash("PREVIEW", "", body.model_dump(mode="json", exclude={"preview_id"}))


async def save(
    db: Executor, username: str, body: ExecuteAllIn, facts: Facts
) -> tuple[str, datetime]:
    preview_id, expires_at = new_id(), utc_now() + timedelta(minutes=KEEP_MINUTES)
    await db.execute("DELETE FROM order_previews WHERE expires_at < now()")
    await db.execute(
        """INSERT INTO order_previews (preview_id, username, body_hash, facts, expires_at)
           VALUES ($1, $2, $3, $4::jsonb, $5)""",
        preview_id,
        username,
        _body_hash(body),
        json.dumps(facts),
        expires_at,
    )
    return preview_id, expires_at


async def shown(db: Executor, username: str, body: ExecuteAllIn) -> Facts:
    """The facts the preview of `body.preview_id` showed; 422 when it cannot be used."""
    loc = ["body", "preview_id"]
    row = await db.fetchrow(
        "SELECT * FROM order_previews WHERE preview_id = $1 AND username = $2 "
        "AND expires_at > now()",
        body.preview_id,
        username,
    )
    if row is None:
        why = f"no preview {body.preview_id} of yours in the last {KEEP_MINUTES} minutes"
        raise invalid([problem(loc, why)])
    if row["body_hash"] != _body_hash(body):
        why = "the order differs from the one previewed; preview it again"
        raise invalid([problem(loc, why)])
    facts: Facts = json.loads(row["facts"])
    return facts


def changes(before: Facts, now: Facts) -> list[str]:
    """Every fact that differs, in words ("A: available_margin 1000 -> 900")."""
    found = []
    for client in sorted(set(before) | set(now)):
        if client not in now:
            found.append(f"{client}: no longer in the order")
            continue
        if client not in before:
            found.append(f"{client}: not in the preview")
            continue
        for name, old in before[client].items():
            new = now[client].get(name)
            if new != old:
                found.append(f"{client}: {name} {old} -> {new}")
    return found


def refuse_if_changed(before: Facts, now: Facts) -> None:
    found = changes(before, now)
    if found:
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            {"message": "the account facts changed since the preview; nothing was placed; "
                        "preview again", "changed": found},
        )  # fmt: skip
