"""Login, token refresh, logout, who-am-I and password change.

POST /api/v1/auth/login, /refresh and /logout are the only /api routes that take no access
token (refresh and logout carry the refresh token in the body instead).
"""

import asyncio
from typing import Annotated, Literal

from common.problems import invalid, problem
from fastapi import APIRouter, Depends, HTTPException, Request, status
from pydantic import BaseModel, Field

from gateway import audit, deps, store_users
from gateway.auth import service
from gateway.auth.client_address import client_address, networks
from gateway.auth.deps import Codec, Viewer
from gateway.auth.passwords import MIN_PASSWORD_LENGTH, hash_password, verify_password
from gateway.auth.rate_limit import LoginRateLimiter
from gateway.auth.roles import Role
from gateway.auth.tokens import TokenCodec, TokenError

router = APIRouter(prefix="/api/v1/auth", tags=["auth"])


class LoginRequest(BaseModel):
    username: str = Field(min_length=1, max_length=64)
    password: str = Field(min_length=1, max_length=256)


class RefreshRequest(BaseModel):
    refresh_token: str = Field(min_length=1)


class PasswordChange(BaseModel):
    current_password: str = Field(min_length=1, max_length=256)
    new_password: str = Field(min_length=MIN_PASSWORD_LENGTH, max_length=256)


class TokenResponse(BaseModel):
    access_token: str
    refresh_token: str
    token_type: Literal["bearer"] = "bearer"  # noqa: S105  (a scheme name)
    expires_in: int = Field(description="seconds until the access token expires")
    refresh_expires_in: int = Field(description="seconds until the refresh token expires")
    username: str
    role: Role


class Me(BaseModel):
    username: str
    role: Role


def _tokens(pair: service.TokenPair, codec: TokenCodec) -> TokenResponse:
    return TokenResponse(
        access_token=pair.access_token,
        refresh_token=pair.refresh_token,
        expires_in=int(codec.access_ttl.total_seconds()),
        refresh_expires_in=int(codec.refresh_ttl.total_seconds()),
        username=pair.access.username,
        role=pair.access.role,
    )


def _limiter(redis: deps.RedisClient, settings: deps.Settings) -> LoginRateLimiter:
    return LoginRateLimiter(
        redis,
        per_user=settings.login_user_failures,
        per_address=settings.login_address_failures,
        window_s=settings.login_window_seconds,
    )


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


@router.post(
    "/login",
    summary="Log in with username and password; returns an access and a refresh token",
    responses={401: {"description": "wrong credentials"}, 429: {"description": "throttled"}},
)
async def login(
    body: LoginRequest,
    request: Request,
    pool: deps.Pool,
    codec: Codec,
    settings: deps.Settings,
    limiter: Annotated[LoginRateLimiter, Depends(_limiter)],
) -> TokenResponse:
    address = client_address(
        request.client.host if request.client else None,
        request.headers.get("x-forwarded-for"),
        networks(settings.trusted_proxies),
    )
    try:
        pair = await service.login(pool, codec, limiter, body.username, body.password, address)
    except service.LoginThrottled as error:
        raise HTTPException(
            status.HTTP_429_TOO_MANY_REQUESTS,
            str(error),
            headers={"Retry-After": str(error.retry_after_s)},
        ) from error
    except service.LoginRefused as error:
        raise _unauthorized(str(error)) from error
    return _tokens(pair, codec)


@router.post("/refresh", summary="Trade a refresh token for a new pair (the old one is spent)")
async def refresh(
    body: RefreshRequest,
    pool: deps.Pool,
    codec: Codec,
) -> TokenResponse:
    try:
        pair = await service.refresh(pool, codec, body.refresh_token)
    except TokenError as error:
        raise _unauthorized(str(error)) from error
    return _tokens(pair, codec)


@router.post(
    "/logout",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Revoke a refresh token (and the ones rotated from the same login)",
)
async def logout(
    body: RefreshRequest,
    pool: deps.Pool,
    codec: Codec,
) -> None:
    try:
        await service.logout(pool, codec, body.refresh_token)
    except TokenError as error:
        raise _unauthorized(str(error)) from error


@router.get("/me", summary="Who the access token belongs to")
async def me(user: Viewer) -> Me:
    return Me(username=user.username, role=user.role)


@router.post(
    "/password",
    status_code=status.HTTP_204_NO_CONTENT,
    summary="Change your own password (every refresh token of yours is revoked)",
)
async def change_password(
    body: PasswordChange,
    user: Viewer,
    pool: deps.Pool,
) -> None:
    record = await store_users.get_user(pool, user.username)
    ok = await asyncio.to_thread(
        verify_password, record.password_hash if record else None, body.current_password
    )
    if not ok:
        raise invalid([problem(["body", "current_password"], "current password is wrong")])
    new_hash = await asyncio.to_thread(hash_password, body.new_password)
    async with pool.acquire() as conn, conn.transaction():
        await store_users.update_user(conn, user.username, password_hash=new_hash)
        await store_users.revoke_user_tokens(conn, user.username)
        await audit.record(conn, user, "user.password_change", user.username)
