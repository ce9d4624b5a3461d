"""Access and refresh tokens: what they carry, and every way they are refused."""

from datetime import UTC, datetime, timedelta

import jwt
import pytest
from gateway.auth.roles import Role
from gateway.auth.tokens import TokenCodec, TokenError

SECRET = "unit-test-secret-that-is-at-least-32-characters"


def codec(access: timedelta = timedelta(minutes=15)) -> TokenCodec:
    return TokenCodec(SECRET, "test-issuer", access, timedelta(hours=12))


def test_access_token_round_trip_keeps_user_and_role() -> None:
    token, issued = codec().issue("asha", Role.TRADER, "access")
    claims = codec().decode(token, "access")
    assert (claims.username, claims.role, claims.jti) == ("asha", Role.TRADER, issued.jti)


def test_expired_access_token_is_refused() -> None:
    token, _ = codec(access=timedelta(seconds=-1)).issue("asha", Role.TRADER, "access")
    with pytest.raises(TokenError, match="expired"):
        codec().decode(token, "access")


def test_refresh_token_used_as_access_token_is_refused() -> None:
    token, _ = codec().issue("asha", Role.ADMIN, "refresh")
    with pytest.raises(TokenError, match="refresh token was given"):
        codec().decode(token, "access")


def test_token_with_other_key_is_refused() -> None:
    other = TokenCodec("another-secret-that-is-also-32-chars-long", "test-issuer",
                       timedelta(minutes=1), timedelta(hours=1))  # fmt: skip
    token, _ = other.issue("asha", Role.ADMIN, "access")
    with pytest.raises(TokenError, match="invalid access token"):
        codec().decode(token, "access")


def test_token_with_alg_none_is_refused() -> None:
    token = jwt.encode({"sub": "asha", "role": "admin", "typ": "access"}, None, algorithm="none")
    with pytest.raises(TokenError):
        codec().decode(token, "access")


def test_refresh_keeps_its_family_when_rotated() -> None:
    _, first = codec().issue("asha", Role.VIEWER, "refresh")
    _, second = codec().issue("asha", Role.VIEWER, "refresh", family=first.family)
    assert second.family == first.family and second.jti != first.jti


@pytest.mark.parametrize(
    ("role", "needed", "allowed"),
    [
        (Role.VIEWER, Role.VIEWER, True),
        (Role.VIEWER, Role.TRADER, False),
        (Role.TRADER, Role.TRADER, True),
        (Role.TRADER, Role.ADMIN, False),
        (Role.ADMIN, Role.TRADER, True),
    ],
)
def test_role_allows_only_its_rank_and_below(role: Role, needed: Role, allowed: bool) -> None:
    assert role.allows(needed) is allowed


def test_verified_access_token_is_remembered_until_it_expires() -> None:
    c = codec()
    token, issued = c.issue("asha", Role.TRADER, "access")
    first = c.decode(token, "access")
    assert c.verified.get(token, issued.expires_at - timedelta(seconds=1)) == first
    with pytest.raises(TokenError, match="access token expired"):
        c.verified.get(token, issued.expires_at)
    assert c.verified.get(token, issued.expires_at) is None  # forgotten once expired


def test_altered_copy_of_a_verified_token_is_refused() -> None:
    c = codec()
    token, _ = c.issue("asha", Role.VIEWER, "access")
    c.decode(token, "access")
    head, _, signature = token.split(".")
    forged_claims = jwt.encode(
        {**jwt.decode(token, options={"verify_signature": False}), "role": "admin"}, "x" * 32
    ).split(".")[1]
    with pytest.raises(TokenError, match="invalid access token"):
        c.decode(f"{head}.{forged_claims}.{signature}", "access")


def test_refresh_tokens_are_never_remembered() -> None:
    c = codec()
    token, _ = c.issue("asha", Role.TRADER, "refresh")
    c.decode(token, "refresh")
    assert c.verified.get(token, datetime.now(UTC)) is None
