"""Platform users: login, tokens, roles, refresh rotation, rate limits (real gateway)."""

from datetime import UTC, datetime, timedelta

import httpx
import jwt
from common.ids import new_id
from conftest import bearer, create_user, token_for
from gateway.config import DEV_JWT_SECRET


async def test_route_without_token_is_401(gateway: httpx.AsyncClient) -> None:
    response = await gateway.get("/api/v1/users")
    assert response.status_code == 401
    assert "Bearer" in response.headers["WWW-Authenticate"]


async def test_ops_routes_without_token_are_open(gateway: httpx.AsyncClient) -> None:
    for path in ("/health", "/ready", "/metrics", "/openapi.json", "/docs"):
        response = await gateway.get(path)
        assert response.status_code == 200, path


async def test_login_with_wrong_password_is_401(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/api/v1/auth/login", json={"username": "admin", "password": "not-the-password"},
        headers={"X-Forwarded-For": f"10.1.{new_id()[:2]}.1"},
    )  # fmt: skip
    assert response.status_code == 401


async def test_login_gives_token_pair_that_opens_routes(gateway: httpx.AsyncClient) -> None:
    response = await gateway.post(
        "/api/v1/auth/login", json={"username": "admin", "password": "admin"}
    )
    assert response.status_code == 200
    body = response.json()
    assert body["token_type"] == "bearer"
    assert body["role"] == "admin"
    me = await gateway.get("/api/v1/auth/me", headers=bearer(body["access_token"]))
    assert me.json() == {"username": "admin", "role": "admin"}


async def test_expired_access_token_is_401(gateway: httpx.AsyncClient) -> None:
    past = datetime.now(UTC) - timedelta(minutes=1)
    token = jwt.encode(
        {"sub": "admin", "role": "admin", "typ": "access", "jti": new_id(), "fam": new_id(),
         "iss": "trading-platform-gateway", "iat": past - timedelta(minutes=15), "exp": past},
        DEV_JWT_SECRET, algorithm="HS256",
    )  # fmt: skip
    response = await gateway.get("/api/v1/auth/me", headers=bearer(token))
    assert response.status_code == 401
    assert "expired" in response.json()["detail"]


async def test_token_signed_with_another_key_is_401(gateway: httpx.AsyncClient) -> None:
    now = datetime.now(UTC)
    token = jwt.encode(
        {"sub": "admin", "role": "admin", "typ": "access", "jti": new_id(),
         "iss": "trading-platform-gateway", "iat": now, "exp": now + timedelta(minutes=5)},
        "an-attacker-key-that-is-long-enough-for-hs256", algorithm="HS256",
    )  # fmt: skip
    response = await gateway.get("/api/v1/auth/me", headers=bearer(token))
    assert response.status_code == 401


async def test_refresh_token_is_not_an_access_token(gateway: httpx.AsyncClient) -> None:
    pair = (
        await gateway.post("/api/v1/auth/login", json={"username": "admin", "password": "admin"})
    ).json()
    response = await gateway.get("/api/v1/auth/me", headers=bearer(pair["refresh_token"]))
    assert response.status_code == 401


async def test_viewer_on_admin_route_is_403(
    gateway: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    username, password = await create_user(admin, "viewer")
    token = await token_for(gateway, username, password)
    response = await gateway.get("/api/v1/users", headers=bearer(token))
    assert response.status_code == 403
    assert "viewer" in response.json()["detail"]
    assert (await gateway.get("/api/v1/auth/me", headers=bearer(token))).status_code == 200


async def test_refresh_rotates_and_old_refresh_token_is_rejected(
    gateway: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    username, password = await create_user(admin, "trader")
    first = (
        await gateway.post("/api/v1/auth/login", json={"username": username, "password": password})
    ).json()
    second = await gateway.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert second.status_code == 200
    pair = second.json()
    assert pair["refresh_token"] != first["refresh_token"]
    me = await gateway.get("/api/v1/auth/me", headers=bearer(pair["access_token"]))
    assert me.json() == {"username": username, "role": "trader"}

    replay = await gateway.post(
        "/api/v1/auth/refresh", json={"refresh_token": first["refresh_token"]}
    )
    assert replay.status_code == 401
    # A replayed token revokes its family: the rotated token dies too.
    after = await gateway.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert after.status_code == 401


async def test_disabled_user_cannot_log_in_or_refresh(
    gateway: httpx.AsyncClient, admin: httpx.AsyncClient
) -> None:
    username, password = await create_user(admin, "trader")
    pair = (
        await gateway.post("/api/v1/auth/login", json={"username": username, "password": password})
    ).json()
    assert (await admin.post(f"/api/v1/users/{username}/disable")).status_code == 200
    login = await gateway.post(
        "/api/v1/auth/login", json={"username": username, "password": password}
    )
    assert login.status_code == 401
    refresh = await gateway.post(
        "/api/v1/auth/refresh", json={"refresh_token": pair["refresh_token"]}
    )
    assert refresh.status_code == 401


async def test_failed_logins_for_one_user_at_one_address_over_limit_are_429_elsewhere_not(
    admin: httpx.AsyncClient, gateway: httpx.AsyncClient
) -> None:
    username, password = await create_user(admin, "viewer")
    guesser = f"10.2.{int(new_id()[:2], 16)}.{int(new_id()[:2], 16)}"
    statuses = []
    for _ in range(7):
        response = await gateway.post(
            "/api/v1/auth/login",
            json={"username": username, "password": "guess"},
            headers={"X-Forwarded-For": guesser},
        )
        statuses.append(response.status_code)
    assert statuses[:5] == [401] * 5
    assert statuses[5:] == [429, 429]
    assert int(response.headers["Retry-After"]) > 0
    # the guesser cannot lock the user out: the right password from elsewhere goes through
    elsewhere = await gateway.post(
        "/api/v1/auth/login",
        json={"username": username, "password": password},
        headers={"X-Forwarded-For": f"10.4.{int(new_id()[:2], 16)}.1"},
    )
    assert elsewhere.status_code == 200, elsewhere.text


async def test_failed_logins_from_one_address_over_limit_are_429(
    gateway: httpx.AsyncClient,
) -> None:
    address = f"10.3.{int(new_id()[:2], 16)}.{int(new_id()[:2], 16)}"
    statuses = []
    for attempt in range(31):
        response = await gateway.post(
            "/api/v1/auth/login",
            json={"username": f"user{attempt}-{new_id()[:6]}", "password": "guess"},
            headers={"X-Forwarded-For": address},
        )
        statuses.append(response.status_code)
    assert set(statuses[:30]) == {401}
    assert statuses[30] == 429
    # even the right password is refused from that address until the window ends
    blocked = await gateway.post(
        "/api/v1/auth/login",
        json={"username": "admin", "password": "admin"},
        headers={"X-Forwarded-For": address},
    )
    assert blocked.status_code == 429
    assert "Retry-After" in blocked.headers


async def test_user_and_login_changes_are_audited(admin: httpx.AsyncClient, stack: object) -> None:
    username, _ = await create_user(admin, "viewer")
    import asyncpg

    conn = await asyncpg.connect(stack.postgres_dsn)  # type: ignore[attr-defined]
    try:
        row = await conn.fetchrow(
            "SELECT actor, action, correlation_id FROM gateway.audit_log WHERE target = $1",
            username,
        )
        assert row is not None
        assert (row["actor"], row["action"]) == ("admin", "user.create")
        assert row["correlation_id"]
        try:
            await conn.execute("DELETE FROM gateway.audit_log WHERE target = $1", username)
            raise AssertionError("audit_log accepted a DELETE")
        except asyncpg.RaiseError as error:
            assert "append-only" in str(error)
    finally:
        await conn.close()
