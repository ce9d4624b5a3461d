"""JWTs (HS256): short-lived access tokens and rotating refresh tokens.

An access token says who and what role; routes trust it until it expires (minutes), so a
role change or a disabled user takes effect at the next refresh at the latest. A refresh
token is single-use: refreshing marks it used and issues a new pair (see auth.service).
"""

from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from typing import Any, Literal

import jwt
from common.ids import new_id

from gateway.auth.roles import Role

TokenType = Literal["access", "refresh"]
ALGORITHM = "HS256"


class TokenError(Exception):
    """The token is missing, malformed, expired, of the wrong kind or badly signed."""


@dataclass(frozen=True)
class TokenClaims:
    username: str
    role: Role
    kind: TokenType
    jti: str
    family: str
    expires_at: datetime


@dataclass(frozen=True)
class TokenCodec:
    secret: str
    issuer: str
    access_ttl: timedelta
    refresh_ttl: timedelta

    def issue(
        self, username: str, role: Role, kind: TokenType, family: str | None = None
    ) -> tuple[str, TokenClaims]:
        now = datetime.now(UTC)
        ttl = self.access_ttl if kind == "access" else self.refresh_ttl
        claims = TokenClaims(
            username=username,
            role=role,
            kind=kind,
            jti=new_id(),
            family=family or new_id(),
            expires_at=now + ttl,
        )
        payload: dict[str, Any] = {
            "sub": username,
            "role": role.value,
            "typ": kind,
            "jti": claims.jti,
            "fam": claims.family,
            "iss": self.issuer,
            "iat": now,
            "exp": claims.expires_at,
        }
        return jwt.encode(payload, self.secret, algorithm=ALGORITHM), claims

    def decode(self, token: str, kind: TokenType) -> TokenClaims:
        try:
            payload = jwt.decode(
                token,
                self.secret,
                algorithms=[ALGORITHM],
                issuer=self.issuer,
                options={"require": ["sub", "role", "typ", "jti", "exp", "iat", "iss"]},
            )
        except jwt.ExpiredSignatureError as error:
            raise TokenError(f"{kind} token expired") from error
        except jwt.PyJWTError as error:
            raise TokenError(f"invalid {kind} token: {error}") from error
        if payload.get("typ") != kind:
            given = payload.get("typ")
            raise TokenError(f"a {given} token was given where a {kind} token is needed")
        try:
            role = Role(payload["role"])
        except ValueError as error:
            raise TokenError(f"invalid {kind} token: unknown role") from error
        return TokenClaims(
            username=str(payload["sub"]),
            role=role,
            kind=kind,
            jti=str(payload["jti"]),
            family=str(payload.get("fam") or payload["jti"]),
            expires_at=datetime.fromtimestamp(int(payload["exp"]), UTC),
        )
