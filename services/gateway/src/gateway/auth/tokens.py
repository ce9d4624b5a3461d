"""JWTs (HS256): short-lived access tokens and rotating refresh tokens.

An access token says who and what role; routes trust it until it expires (minutes), so a
role change or a disabled user takes effect at the next refresh at the latest. A refresh
token is single-use: refreshing marks it used and issues a new pair (see auth.service).

Because an access token is trusted until it expires anyway, its verified claims are kept
(`VerifiedAccessTokens`, keyed by the whole token text, signature included) until then:
a request with a token seen before skips the HMAC and claim checks. A forged or altered
token is a different text, so it is never found there and is verified in full.
"""

from collections import OrderedDict
from dataclasses import dataclass, field
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


class VerifiedAccessTokens:
    """Claims of access tokens already verified, until they expire (LRU-bounded)."""

    def __init__(self, max_tokens: int = 4096) -> None:
        self._claims: OrderedDict[str, TokenClaims] = OrderedDict()
        self.max_tokens = max_tokens

    def get(self, token: str, now: datetime) -> TokenClaims | None:
        """The claims of `token` if verified before; raises TokenError once it expired."""
        claims = self._claims.get(token)
        if claims is None:
            return None
        if now >= claims.expires_at:
            del self._claims[token]
            raise TokenError("access token expired")
        self._claims.move_to_end(token)
        return claims

    def add(self, token: str, claims: TokenClaims) -> None:
        self._claims[token] = claims
        while len(self._claims) > self.max_tokens:
            self._claims.popitem(last=False)


@dataclass(frozen=True)
class TokenCodec:
    secret: str
    issuer: str
    access_ttl: timedelta
    refresh_ttl: timedelta
    verified: VerifiedAccessTokens = field(
        default_factory=VerifiedAccessTokens, compare=False, repr=False
    )

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
        if kind == "access":
            known = self.verified.get(token, datetime.now(UTC))
            if known is not None:
                return known
        claims = self._verify(token, kind)
        if kind == "access":
            self.verified.add(token, claims)
        return claims

    def _verify(self, token: str, kind: TokenType) -> TokenClaims:
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
