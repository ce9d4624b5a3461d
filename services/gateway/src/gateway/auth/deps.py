"""FastAPI dependencies that authenticate the caller and check the role.

Use on every route: `user: CurrentUser = Depends(require(Role.TRADER))`, or the same as a
type that keeps ruff's B008 quiet: `user: Trader` (also `Viewer`, `Admin`).
Viewer reads, trader trades, admin manages users and clients (roles.py: each role can do
what the ones below it can). No token or a bad/expired one is 401; a role too low is 403.
"""

from collections.abc import Awaitable, Callable
from dataclasses import dataclass
from datetime import timedelta
from typing import Annotated

from fastapi import Depends, FastAPI, HTTPException, Request, status
from fastapi.security import HTTPAuthorizationCredentials, HTTPBearer

from gateway.auth.roles import Role
from gateway.auth.tokens import TokenCodec, TokenError
from gateway.config import GatewaySettings

_bearer = HTTPBearer(auto_error=False, description="access token from POST /api/v1/auth/login")


@dataclass(frozen=True)
class CurrentUser:
    username: str
    role: Role


def codec_for(settings: GatewaySettings) -> TokenCodec:
    return TokenCodec(
        secret=settings.effective_jwt_secret(),
        issuer=settings.jwt_issuer,
        access_ttl=timedelta(minutes=settings.access_token_minutes),
        refresh_ttl=timedelta(hours=settings.refresh_token_hours),
    )


def app_codec(app: FastAPI) -> TokenCodec:
    """The process's codec, built once from the settings: it also keeps the verified
    access tokens, so HTTP routes and WebSocket handshakes share one cache."""
    codec: TokenCodec | None = getattr(app.state, "token_codec", None)
    if codec is None:
        codec = codec_for(app.state.runtime.settings)
        app.state.token_codec = codec
    return codec


async def token_codec(request: Request) -> TokenCodec:
    # async: FastAPI runs a plain-def dependency in its thread pool (a hop per request)
    return app_codec(request.app)


def user_from_token(codec: TokenCodec, token: str) -> CurrentUser:
    """The user an access token names; raises TokenError. Also for WebSocket handshakes."""
    claims = codec.decode(token, "access")
    return CurrentUser(username=claims.username, role=claims.role)


def _unauthorized(detail: str) -> HTTPException:
    return HTTPException(
        status.HTTP_401_UNAUTHORIZED, detail, headers={"WWW-Authenticate": "Bearer"}
    )


def require(role: Role) -> Callable[..., Awaitable[CurrentUser]]:
    """A dependency that lets through users whose role is at least `role`."""

    async def dependency(
        request: Request,
        credentials: Annotated[HTTPAuthorizationCredentials | None, Depends(_bearer)],
        codec: Annotated[TokenCodec, Depends(token_codec)],
    ) -> CurrentUser:
        if credentials is None or credentials.scheme.lower() != "bearer":
            raise _unauthorized(
                "not authenticated: send 'Authorization: Bearer <access token>' "
                "(get one from POST /api/v1/auth/login)"
            )
        try:
            user = user_from_token(codec, credentials.credentials)
        except TokenError as error:
            raise _unauthorized(f"{error}; log in again or refresh the token") from error
        if not user.role.allows(role):
            raise HTTPException(
                status.HTTP_403_FORBIDDEN,
                f"user {user.username} has role {user.role.value}; this needs {role.value}",
            )
        request.state.user = user
        return user

    return dependency


Viewer = Annotated[CurrentUser, Depends(require(Role.VIEWER))]
Trader = Annotated[CurrentUser, Depends(require(Role.TRADER))]
Admin = Annotated[CurrentUser, Depends(require(Role.ADMIN))]
Codec = Annotated[TokenCodec, Depends(token_codec)]
