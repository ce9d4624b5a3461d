"""Login, refresh and logout: the rules, on top of the users store and the rate limiter."""

import asyncio
import logging
from dataclasses import dataclass

import asyncpg

from gateway import store_users
from gateway.auth.passwords import hash_password, needs_rehash, verify_password
from gateway.auth.rate_limit import LoginRateLimiter
from gateway.auth.roles import Role
from gateway.auth.tokens import TokenClaims, TokenCodec, TokenError

log = logging.getLogger(__name__)


class LoginRefused(Exception):
    """Wrong username or password, or a disabled user (401)."""


class LoginThrottled(Exception):
    """Too many failed logins for this user or address (429)."""

    def __init__(self, scope: str, retry_after_s: int) -> None:
        super().__init__(f"too many failed logins for this {scope}; try again in {retry_after_s} s")
        self.retry_after_s = retry_after_s


@dataclass(frozen=True)
class TokenPair:
    access_token: str
    refresh_token: str
    access: TokenClaims
    refresh: TokenClaims


async def issue_pair(
    pool: asyncpg.Pool, codec: TokenCodec, username: str, role: Role, family: str | None = None
) -> TokenPair:
    access_token, access = codec.issue(username, role, "access")
    refresh_token, refresh = codec.issue(username, role, "refresh", family=family)
    await store_users.insert_refresh_token(
        pool, refresh.jti, refresh.family, username, refresh.expires_at
    )
    return TokenPair(access_token, refresh_token, access, refresh)


async def login(
    pool: asyncpg.Pool,
    codec: TokenCodec,
    limiter: LoginRateLimiter,
    username: str,
    password: str,
    address: str,
) -> TokenPair:
    blocked = await limiter.blocked(username, address)
    if blocked is not None:
        log.warning("login throttled for %s (%s window)", username, blocked.scope)
        raise LoginThrottled(blocked.scope, blocked.retry_after_s)
    user = await store_users.get_user(pool, username)
    # argon2 is deliberately slow: keep it off the event loop.
    ok = await asyncio.to_thread(verify_password, user.password_hash if user else None, password)
    if not ok or user is None:
        await limiter.failed(username, address)
        log.info("failed login for %s from %s", username, address)
        raise LoginRefused("wrong username or password")
    if not user.active:
        await limiter.failed(username, address)
        raise LoginRefused(f"user {username} is disabled; ask an admin")
    await limiter.succeeded(username, address)
    if needs_rehash(user.password_hash):
        new_hash = await asyncio.to_thread(hash_password, password)
        await store_users.update_user(pool, username, password_hash=new_hash)
    log.info("user %s logged in", username)
    return await issue_pair(pool, codec, user.username, user.role)


async def refresh(pool: asyncpg.Pool, codec: TokenCodec, refresh_token: str) -> TokenPair:
    """Trade a refresh token for a new pair; the old refresh token is spent.

    Raises TokenError when the token is invalid, spent (its whole family is then revoked:
    a spent token shown again means it was copied) or its user is gone or disabled.
    """
    claims = codec.decode(refresh_token, "refresh")
    outcome = await store_users.use_refresh_token(pool, claims.jti)
    if outcome == "reused":
        await store_users.revoke_family(pool, claims.family)
        log.warning("refresh token of %s presented twice; family revoked", claims.username)
        raise TokenError("refresh token already used or revoked: log in again")
    if outcome != "ok":
        raise TokenError("refresh token unknown or expired: log in again")
    user = await store_users.get_user(pool, claims.username)
    if user is None or not user.active:
        raise TokenError(f"user {claims.username} is disabled or gone")
    return await issue_pair(pool, codec, user.username, user.role, family=claims.family)


async def logout(pool: asyncpg.Pool, codec: TokenCodec, refresh_token: str) -> str:
    """Revoke the refresh token's family; returns the username."""
    claims = codec.decode(refresh_token, "refresh")
    await store_users.revoke_family(pool, claims.family)
    return claims.username
