"""`Idempotency-Key` on POSTs: a retry with the same key gets the first answer again.

The key is scoped to the user. The first request claims it (state 'pending'), runs, and
stores its response; a retry with the same body gets that response (and the header
`Idempotent-Replayed: true`) without publishing anything. The same key with a different
body is a 422 that says so; a retry while the first is still running is a 409. A request
that fails (4xx/5xx) releases the key, so a corrected request may reuse it. Keys are
forgotten KEEP_HOURS after their first use.
"""

import asyncio
import hashlib
import json
import logging
from collections.abc import Awaitable, Callable
from typing import Any

import asyncpg
from fastapi import HTTPException, status
from fastapi.responses import JSONResponse

from gateway import idempotency_store as store

HEADER = "Idempotency-Key"
MAX_KEY_LENGTH = 200
KEEP_HOURS = 24
PURGE_EVERY_SECONDS = 3600

log = logging.getLogger("gateway.idempotency")


def request_hash(method: str, path: str, body: Any) -> str:
    canonical = json.dumps(body, sort_keys=True, separators=(",", ":"), default=str)
    return hashlib.sha256(f"{method} {path}\n{canonical}".encode()).hexdigest()


async def run_once(
    pool: asyncpg.Pool,
    username: str,
    key: str | None,
    fingerprint: str,
    produce: Callable[[], Awaitable[tuple[int, Any]]],
) -> JSONResponse:
    """Run `produce` (returns status code and JSON body) at most once per key."""
    if key is None:
        code, body = await produce()
        return JSONResponse(body, status_code=code)
    if not key.strip() or len(key) > MAX_KEY_LENGTH:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            [
                {
                    "loc": ["header", HEADER],
                    "msg": f"{HEADER} must be 1 to {MAX_KEY_LENGTH} characters",
                    "type": "value_error",
                }
            ],
        )
    if not await store.reserve(pool, username, key, fingerprint):
        return await _replay(pool, username, key, fingerprint)
    try:
        code, body = await produce()
    except BaseException:
        await store.release(pool, username, key)
        raise
    if code >= 400:
        await store.release(pool, username, key)
    else:
        await store.complete(pool, username, key, code, body)
    return JSONResponse(body, status_code=code)


async def _replay(pool: asyncpg.Pool, username: str, key: str, fingerprint: str) -> JSONResponse:
    row = await store.find(pool, username, key)
    if row is None:  # released between our insert and this read: the caller may retry
        raise HTTPException(
            status.HTTP_409_CONFLICT, f"{HEADER} {key!r} was just released; retry the request"
        )
    if row["request_hash"] != fingerprint:
        raise HTTPException(
            status.HTTP_422_UNPROCESSABLE_ENTITY,
            [
                {
                    "loc": ["header", HEADER],
                    "msg": f"{HEADER} {key!r} was already used for a different request; "
                    "use a new key for a new request",
                    "type": "value_error",
                }
            ],
        )
    if row["state"] != "done":
        raise HTTPException(
            status.HTTP_409_CONFLICT,
            f"the request with {HEADER} {key!r} is still being processed; retry in a moment",
        )
    return JSONResponse(
        json.loads(row["response"]),
        status_code=row["status_code"],
        headers={"Idempotent-Replayed": "true"},
    )


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
