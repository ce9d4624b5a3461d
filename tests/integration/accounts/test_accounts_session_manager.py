"""The adapter's SessionManager against the real simulator, PostgreSQL and Redis.

Each test gets its own schema (the adapter's migrations applied to it) and its own client
ids, so nothing here disturbs the services other tests run; the Motilal accounts are the
simulator's demo accounts.
"""

import asyncio
import base64
import json
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import asyncpg
import httpx
import pytest
import redis.asyncio as aioredis
from broker_adapter.sessions import store_sessions
from broker_adapter.sessions.manager import SessionManager
from broker_adapter.sessions.session import SessionUnavailable
from broker_adapter.sessions.shared_token import SharedTokens
from common.contracts.accounts import ClientUpserted, RiskLimits, SessionChanged
from common.contracts.credentials import BrokerCredentials
from common.db import apply_migrations, create_pool
from common.enums import Exchange, TradeType
from common.ids import new_id
from gateway.credentials import public_key_from, seal
from motilal.config import MotilalSettings
from motilal.errors import SessionExpired
from nacl.public import PrivateKey
from stack.testing import TestStack

MIGRATIONS = Path("services/broker-adapter/src/broker_adapter/migrations")
ACCOUNTS = {a["client_code"]: a for a in json.loads(Path("data/sim-accounts.json").read_text())}


@dataclass
class Infra:
    pool: asyncpg.Pool
    redis: aioredis.Redis


@dataclass
class Harness:
    manager: SessionManager
    infra: Infra
    events: list[SessionChanged]
    sim: str
    public_key: str
    private_key: PrivateKey

    @property
    def tokens(self) -> SharedTokens:
        return SharedTokens(self.infra.redis, self.private_key)

    async def account(self, client_id: str) -> store_sessions.Account:
        account = await store_sessions.get_account(self.infra.pool, client_id)
        assert account is not None
        return account

    async def register(self, code: str, **changes: Any) -> str:
        """Register demo account `code` under a fresh client id; returns the id."""
        account = {**ACCOUNTS[code], **changes}
        credentials = BrokerCredentials(
            api_key=account["api_key"], password=account["password"], dob=account["dob"],
            totp_secret=account.get("totp_secret"),
        )  # fmt: skip
        client_id = f"{code}-{new_id()[:6]}"
        message = ClientUpserted(
            correlation_id=new_id(), actor="test", client_id=client_id, motilal_client_id=code,
            name="Test", active=True, exchanges=(Exchange.NSE,),
            trade_types=(TradeType.DELIVERY,), limits=RiskLimits(),
            sealed_credentials=seal(credentials, public_key_from(self.public_key)),
        )  # fmt: skip
        await store_sessions.upsert_account(self.infra.pool, message)
        return client_id

    def states(self, client_id: str) -> list[str]:
        return [e.state for e in self.events if e.client_id == client_id]


@pytest.fixture
async def harness(stack: TestStack) -> AsyncIterator[Harness]:
    sim = await stack.start_simulator()
    schema = f"accounts_test_{new_id()[:8]}"
    pool = await create_pool(stack.postgres_dsn, schema, 4)
    await apply_migrations(pool, schema, MIGRATIONS)
    redis = aioredis.from_url(stack.redis_url, decode_responses=True)
    env = stack.service_env("broker-adapter")
    events: list[SessionChanged] = []

    async def publish(event: SessionChanged) -> None:
        events.append(event)

    private_key = PrivateKey(base64.b64decode(env["BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY"]))
    manager = SessionManager(
        Infra(pool, redis), publish, private_key=private_key, motilal=MotilalSettings(base_url=sim)
    )
    try:
        yield Harness(
            manager, Infra(pool, redis), events, sim, env["GATEWAY_CREDENTIALS_PUBLIC_KEY"],
            private_key,
        )  # fmt: skip
    finally:
        await manager.aclose()
        await pool.execute(f"DROP SCHEMA {schema} CASCADE")
        await pool.close()
        await redis.aclose()


async def test_session_with_totp_logs_in_and_stores_token_in_redis(harness: Harness) -> None:
    client_id = await harness.register("EMUM7551")
    session = await harness.manager.session_for(client_id)
    assert session.motilal_client_id == "EMUM7551"
    assert await session.client.order_book() is not None
    stored = await harness.tokens.read(await harness.account(client_id))
    assert stored is not None and stored.verified is True
    assert harness.states(client_id) == ["LOGGING_IN", "ACTIVE"]
    again = await harness.manager.session_for(client_id)
    assert again is session  # no second login


async def test_session_token_in_redis_is_encrypted_with_the_adapters_key(
    harness: Harness,
) -> None:
    client_id = await harness.register("EMUM7551")
    await harness.manager.session_for(client_id)
    account = await harness.account(client_id)
    stored = await harness.tokens.read(account)
    assert stored is not None and len(stored.token) > 8
    raw = await harness.infra.redis.get(f"broker-adapter:session:{client_id}")
    assert stored.token not in raw
    assert account.credentials_hash is None or account.credentials_hash not in raw
    assert "verified" not in raw  # no field of the value is readable
    # another key (another deployment, an attacker's) opens nothing: a fresh login follows
    assert await SharedTokens(harness.infra.redis, PrivateKey.generate()).read(account) is None
    # a value someone wrote in clear is not taken for a token either
    clear = json.dumps({"token": "planted", "verified": True, "expires_at": stored.expires_at
                        .isoformat(), "credentials": account.credentials_hash})  # fmt: skip
    await harness.infra.redis.set(f"broker-adapter:session:{client_id}", clear, ex=60)
    assert await harness.tokens.read(account) is None


async def test_session_without_totp_waits_for_otp_then_is_active(harness: Harness) -> None:
    client_id = await harness.register("EPUN4409", totp_secret=None)
    with pytest.raises(SessionUnavailable) as waiting:
        await harness.manager.session_for(client_id)
    assert waiting.value.state == "OTP_REQUIRED"
    with pytest.raises(SessionUnavailable) as still:  # no new login (no new OTP) meanwhile
        await harness.manager.session_for(client_id)
    assert still.value.state == "OTP_REQUIRED"
    async with httpx.AsyncClient(base_url=harness.sim) as sim:
        otp = (await sim.get("/sim/otp/EPUN4409")).json()["otp"]
    wrong = f"{(int(otp) + 1) % 10**6:06d}"
    with pytest.raises(SessionUnavailable) as refused:
        await harness.manager.verify_otp(client_id, wrong)
    assert refused.value.state == "OTP_REQUIRED"
    status = await harness.manager.verify_otp(client_id, otp)
    assert status.state == "ACTIVE"
    session = await harness.manager.session_for(client_id)
    assert await session.client.positions() is not None
    assert harness.states(client_id) == ["LOGGING_IN", "OTP_REQUIRED", "ACTIVE"]


async def test_expired_session_is_logged_in_again_once_for_many_callers(
    harness: Harness,
) -> None:
    client_id = await harness.register("EDEL2318")
    session = await harness.manager.session_for(client_id)
    async with httpx.AsyncClient(base_url=harness.sim) as sim:
        assert (await sim.post("/sim/sessions/EDEL2318/expire")).json()["expired"] >= 1
    with pytest.raises(SessionExpired):
        await session.client.order_book()

    # ten callers saw the expiry at once: one login serves them all
    sessions = await asyncio.gather(*(harness.manager.relogin(client_id) for _ in range(10)))
    assert len({id(s) for s in sessions}) == 1
    assert harness.states(client_id).count("ACTIVE") == 2
    assert await sessions[0].client.order_book() is not None


async def test_concurrent_first_requests_trigger_one_login(harness: Harness) -> None:
    client_id = await harness.register("EBLR8862")
    sessions = await asyncio.gather(*(harness.manager.session_for(client_id) for _ in range(20)))
    assert len({id(s) for s in sessions}) == 1
    assert harness.states(client_id) == ["LOGGING_IN", "ACTIVE"]


async def test_wrong_password_fails_with_reason_and_is_not_retried(harness: Harness) -> None:
    client_id = await harness.register("EAHM1205", password="not-the-password")
    with pytest.raises(SessionUnavailable) as failed:
        await harness.manager.session_for(client_id)
    assert failed.value.state == "FAILED"
    assert failed.value.error_code == "MO1000"
    assert failed.value.reason.startswith("wrong user id or password")
    with pytest.raises(SessionUnavailable) as again:
        await harness.manager.session_for(client_id)
    assert again.value.reason == failed.value.reason
    assert harness.states(client_id) == ["LOGGING_IN", "FAILED"]  # refused from memory
    status = await harness.manager.status(client_id)
    assert (status.state, status.error_code) == ("FAILED", "MO1000")

    # new credentials clear the verdict: the next request logs in with them
    fixed = await harness.register("EAHM1205")
    await harness.infra.pool.execute(
        "UPDATE accounts SET sealed_credentials = (SELECT sealed_credentials FROM accounts "
        "WHERE client_id = $2), credentials_hash = (SELECT credentials_hash FROM accounts "
        "WHERE client_id = $2) WHERE client_id = $1",
        client_id,
        fixed,
    )
    await harness.manager.credentials_changed(client_id)
    session = await harness.manager.session_for(client_id)
    assert session.motilal_client_id == "EAHM1205"


async def test_session_is_shared_through_redis_between_managers(
    harness: Harness, stack: TestStack
) -> None:
    client_id = await harness.register("EHYD3947")
    first = await harness.manager.session_for(client_id)
    env = stack.service_env("broker-adapter")
    events: list[SessionChanged] = []

    async def publish(event: SessionChanged) -> None:
        events.append(event)

    replica = SessionManager(
        harness.infra, publish,
        private_key=PrivateKey(base64.b64decode(env["BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY"])),
        motilal=MotilalSettings(base_url=harness.sim),
    )  # fmt: skip
    try:
        second = await replica.session_for(client_id)
        assert second.client.session is not None and first.client.session is not None
        assert (
            second.client.session.auth_token.get_secret_value()
            == first.client.session.auth_token.get_secret_value()
        )
        assert events == []  # adopted, no login of its own
        assert await second.client.order_book() is not None
    finally:
        await replica.aclose()
