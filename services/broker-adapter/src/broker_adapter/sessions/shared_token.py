"""The session token every adapter replica shares, in Redis, encrypted (never logged).

One key per client, `broker-adapter:session:<client_id>`, with a TTL to the token's expiry
(06:00 IST) or, for a login waiting for its OTP, to the OTP wait. The value remembers the
credentials it was obtained with, so a token of replaced credentials is never used.

A broker token places orders for its client until it expires, so Redis never holds it in
clear: the value is a NaCl SecretBox (XSalsa20-Poly1305) under a key derived from the
adapter's own private key (BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY), which only adapter
replicas hold. Someone who can read Redis, or a dump of it, learns no token; a value that
does not open (another key, tampered, written before encryption) counts as no token, and
the client simply logs in again. Only dev mode without a key stores it in clear.
"""

import base64
import json
from dataclasses import dataclass
from datetime import datetime, timedelta
from typing import Any

from nacl.encoding import RawEncoder
from nacl.exceptions import CryptoError
from nacl.hash import blake2b
from nacl.public import PrivateKey
from nacl.secret import SecretBox
from redis.asyncio import Redis

from broker_adapter.sessions.store_sessions import Account

TOKEN_KEY = "broker-adapter:session:{client_id}"  # noqa: S105  (a key name)
SEALED_PREFIX = "box1:"
"""Marks an encrypted value (the version of the key derivation)."""
_PURPOSE = b"broker-adapter session tokens in Redis v1"


@dataclass(frozen=True)
class StoredToken:
    token: str
    verified: bool
    expires_at: datetime


def token_box(key: PrivateKey) -> SecretBox:
    """The symmetric box for tokens, derived from the adapter's private key (BLAKE2b keyed
    hash of a fixed purpose string), so the one secret the adapter already holds is enough."""
    derived = blake2b(_PURPOSE, digest_size=SecretBox.KEY_SIZE, key=bytes(key), encoder=RawEncoder)
    return SecretBox(derived)


class SharedTokens:
    def __init__(self, redis: Redis, key: PrivateKey | None = None) -> None:
        self._redis = redis
        self._box = token_box(key) if key is not None else None

    @staticmethod
    def key(client_id: str) -> str:
        return TOKEN_KEY.format(client_id=client_id)

    async def read(self, account: Account) -> StoredToken | None:
        """The stored token if it was obtained with the account's current credentials."""
        stored = self._open(await self._redis.get(self.key(account.client_id)))
        if stored is None or stored.get("credentials") != account.credentials_hash:
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
        await self._redis.set(self.key(account.client_id), self._seal(value), ex=seconds)

    async def drop(self, client_id: str, *, only: str | None = None) -> None:
        """Delete the client's token; with `only`, just if it is still that token."""
        key = self.key(client_id)
        if only is None:
            await self._redis.delete(key)
            return
        stored = self._open(await self._redis.get(key))
        if stored is not None and stored.get("token") == only:
            await self._redis.delete(key)

    def _seal(self, value: str) -> str:
        if self._box is None:
            return value
        return SEALED_PREFIX + base64.b64encode(self._box.encrypt(value.encode())).decode()

    def _open(self, value: bytes | str | None) -> dict[str, Any] | None:
        """The stored fields, or None when absent or not readable with this adapter's key."""
        if not value:
            return None
        raw = value.decode() if isinstance(value, bytes) else value
        if self._box is None:
            return _json_object(raw)
        if not raw.startswith(SEALED_PREFIX):
            return None  # in clear: written before encryption or by someone else
        try:
            clear = self._box.decrypt(base64.b64decode(raw[len(SEALED_PREFIX) :]))
        except (CryptoError, ValueError):
            return None
        return _json_object(clear.decode())


def _json_object(text: str) -> dict[str, Any] | None:
    try:
        value = json.loads(text)
    except ValueError:
        return None
    return value if isinstance(value, dict) else None
