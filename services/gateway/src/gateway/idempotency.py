"""Order POSTs: decide, fix the outcome under the `Idempotency-Key`, then publish.

Every order-making POST (place, execute-all, modify, cancel, exits) goes through
`OncePost.run`. The route's `decide()` validates and mints every id but has no effect;
it returns an `Outcome`: the messages for orders.requests.v1, the answer, the audit
entries. With a key, the outcome is stored with the key ('prepared') BEFORE anything is
published, so whatever happens after (an error, a cancelled request, a crash), a retry
with the same key republishes the very same messages (the order-router and the adapter
ignore an order id they already have) and gets the same answer. The key is released only
when the request failed before its outcome was fixed: nothing had left the gateway.

The key is scoped to the user. The same key with a different body is a 422 that says so;
a retry while the first is still validating is a 409. Keys are forgotten KEEP_HOURS after
their first use.

Tests can fail a request right after its publish: set `app.state.fault_after_publish` to
an async callable that raises (unset, the default, does nothing). It is deliberately not a
setting, so no deployment can switch it on.
"""

import asyncio
import hashlib
import json
import logging
import time
from collections.abc import Awaitable, Callable, Mapping
from dataclasses import dataclass, field
from typing import Annotated, Any

import asyncpg
from common.contracts.envelope import Message
from common.kafka import Publisher
from common.logs import bound
from common.problems import invalid, problem
from common.topics import ORDER_REQUESTS
from fastapi import Depends, Header, HTTPException, Request, status
from fastapi.responses import JSONResponse

from gateway import audit, deps, metrics
from gateway import store_idempotency as store
from gateway.auth.deps import CurrentUser, Trader

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
KEEP_HOURS = 24
PURGE_EVERY_SECONDS = 3600
STALE_PENDING_SECONDS = 60.0
"""A claim still validating after this long died with its request; a retry takes it over."""
FAULT_HOOK = "fault_after_publish"

log = logging.getLogger("gateway.idempotency")


@dataclass(frozen=True)
class AuditEntry:
    action: str
    target: str | None
    details: Mapping[str, Any] | None = None
    correlation_id: str | None = None


@dataclass(frozen=True)
class Outcome:
    """What a POST decided, before anything leaves the gateway."""

    answer: dict[str, Any]
    messages: tuple[Message, ...] = ()
    audit: tuple[AuditEntry, ...] = ()
    status_code: int = status.HTTP_202_ACCEPTED


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


def _header_problem(msg: str) -> HTTPException:
    return invalid([problem(["header", HEADER], msg)])


@dataclass(eq=False)
class OncePost:
    """One order POST of one user, with its optional Idempotency-Key."""

    request: Request
    user: CurrentUser
    pool: asyncpg.Pool
    publisher: Publisher
    key: str | None
    started: float = field(init=False, default_factory=time.perf_counter)

    async def run(self, body: Any, decide: Callable[[], Awaitable[Outcome]]) -> JSONResponse:
        """Decide, then publish and audit at most once per key; `body` is what a retry must
        repeat exactly (the JSON body, or None)."""
        key = self.key
        if key is None:
            outcome = await decide()
            await self._deliver(outcome.messages, outcome.audit)
            return JSONResponse(outcome.answer, outcome.status_code)
        if not key.strip() or len(key) > MAX_KEY_LENGTH:
            raise _header_problem(f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters")
        username = self.user.username
        fingerprint = request_hash("POST", self.request.url.path, body)
        if not await store.claim(self.pool, username, key, fingerprint, STALE_PENDING_SECONDS):
            return await self._resume(key, fingerprint)
        try:
            outcome = await decide()
            await store.prepare(
                self.pool,
                username,
                key,
                status_code=outcome.status_code,
                response=outcome.answer,
                messages=[m.model_dump(mode="json") for m in outcome.messages],
                audit=[_entry_json(e) for e in outcome.audit],
            )
        except BaseException:
            # Nothing published yet. A prepare that committed keeps its row (not pending).
            await asyncio.shield(store.release(self.pool, username, key))
            raise
        # From here the key is never released: a retry republishes the same messages.
        await self._deliver(outcome.messages, outcome.audit, key)
        return JSONResponse(outcome.answer, outcome.status_code)

    async def _deliver(
        self, messages: tuple[Message, ...], entries: tuple[AuditEntry, ...], key: str | None = None
    ) -> None:
        """Publish, then (once per key) audit, in that order: the audit says what left."""
        for message in messages:
            with bound(correlation_id=message.correlation_id):
                await self.publisher.publish(ORDER_REQUESTS, message)
        metrics.published(messages, self.started)
        fault = getattr(self.request.app.state, FAULT_HOOK, None)
        if fault is not None:
            await fault()
        async with self.pool.acquire() as conn, conn.transaction():
            if key is not None and not await store.complete(conn, self.user.username, key):
                return  # a concurrent retry completed (and audited) it
            for entry in entries:
                with bound(correlation_id=entry.correlation_id):
                    await audit.record(conn, self.user, entry.action, entry.target, entry.details)

    async def _resume(self, key: str, fingerprint: str) -> JSONResponse:
        row = await store.find(self.pool, self.user.username, key)
        if row is None:  # released between our claim and this read: the caller may retry
            raise HTTPException(
                status.HTTP_409_CONFLICT, f"{HEADER} {key!r} was just released; retry the request"
            )
        if row["request_hash"] != fingerprint:
            raise _header_problem(
                f"{HEADER} {key!r} was already used for a different request; "
                "use a new key for a new request"
            )
        if row["state"] == "pending":
            raise HTTPException(
                status.HTTP_409_CONFLICT,
                f"the request with {HEADER} {key!r} is still being processed; retry in a moment",
            )
        if row["state"] == "prepared":  # the first try may have failed after its publish
            messages = tuple(
                ORDER_REQUESTS.parse(json.dumps(m)) for m in json.loads(row["messages"])
            )
            entries = tuple(AuditEntry(**e) for e in json.loads(row["audit"]))
            log.warning("republishing the request of %s %r (same ids)", HEADER, key)
            await self._deliver(messages, entries, key)
        return JSONResponse(
            json.loads(row["response"]),
            status_code=row["status_code"],
            headers={"Idempotent-Replayed": "true"},
        )


def _entry_json(entry: AuditEntry) -> dict[str, Any]:
    return {
        "action": entry.action,
        "target": entry.target,
        "details": json.loads(json.dumps(dict(entry.details or {}), default=str)),
        "correlation_id": entry.correlation_id,
    }


async def _once(
    request: Request,
    user: Trader,
    pool: deps.Pool,
    publisher: deps.KafkaPublisher,
    idempotency_key: Annotated[
        str | None,
        Header(
            alias=HEADER,
            description="any unique string; a retry with the same key places nothing again "
            "and returns the first answer",
        ),
    ] = None,
) -> OncePost:
    return OncePost(request, user, pool, publisher, idempotency_key)


Once = Annotated[OncePost, Depends(_once)]
"""An order POST by a trader, run at most once per Idempotency-Key (`once.run(...)`)."""


async def purge_forever(pool: asyncpg.Pool) -> None:
    """Forget keys older than KEEP_HOURS, hourly (a runtime background loop)."""
    while True:
        try:
            forgotten = await store.forget_older_than(pool, KEEP_HOURS)
            if forgotten:
                log.info("forgot %d idempotency keys older than %d h", forgotten, KEEP_HOURS)
        except (OSError, asyncpg.PostgresError) as error:
            log.warning("idempotency key purge failed (%s); next try in an hour", error)
        await asyncio.sleep(PURGE_EVERY_SECONDS)
