"""The session token every adapter replica shares, in Redis (never logged).

One key per client, `broker-adapter:session:<client_id>`, with a TTL to the token's expiry
(06:00 IST) or, for a login waiting for its OTP, to the OTP wait. The value remembers the
credentials it was obtained with, so a token of replaced credentials is never used.
"""

import json
from dataclasses import dataclass
from datetime import datetime, timedelta

from redis.asyncio import Redis

from broker_adapter.sessions.store_sessions import Account

TOKEN_KEY = "broker-adapter:session:{client_id}"  # noqa: S105  (a key name)


@dataclass(frozen=True)
class StoredToken:
    token: str
    verified: bool
    expires_at: datetime


class SharedTokens:
    def __init__(self, redis: Redis) -> None:
        self._redis = redis

    @staticmethod
    def key(client_id: str) -> str:
        return TOKEN_KEY.format(client_id=client_id)

    async def read(self, account: Account) -> StoredToken | None:
        """The stored token if it was obtained with the account's current credentials."""
        raw = await self._redis.get(self.key(account.client_id))
        if not raw:
            return None
        stored = json.loads(raw)
        if stored.get("credentials") != account.credentials_hash:
            return None
        return StoredToken(
            stored["token"],
            bool(stored.get("verified")),
            datetime.fromisoformat(stored["expires_at"]),
        )

    async def exists(self, account: Account) -> bool:
        return bool(await self._redis.exists(self.key(account.client_id)))

    async def save(
        self, account: Account, token: str, *, verified: bool, ttl: timedelta, expires_at: datetime
    ) -> None:
        value = json.dumps(
            {
                "token": token,
                "verified": verified,
                "expires_at": expires_at.isoformat(),
                "credentials": account.credentials_hash,
            }
        )
        seconds = max(1, int(ttl.total_seconds()))
        await self._redis.set(self.key(account.client_id), value, ex=seconds)

    async def drop(self, client_id: str, *, only: str | None = None) -> None:
        """Delete the client's token; with `only`, just if it is still that token."""
        key = self.key(client_id)
        if only is None:
            await self._redis.delete(key)
            return
        raw = await self._redis.get(key)
        if raw and json.loads(raw).get("token") == only:
            await self._redis.delete(key)
