"""Egress pools on the stack's real PostgreSQL and Redis (egress.py; issue 15 item 5).

Pools share the adapter's database, in a schema of this test's own here: each adapter
answers only for its pool's clients when commands come in, never claims another pool's
inbox rows, follows only its own clients' orders, and gets no session (so makes no call
from its address) for a client of another pool; the default pool refuses, with the reason,
a client naming a pool no adapter runs.
"""

import asyncio
from collections.abc import AsyncIterator
from dataclasses import dataclass
from pathlib import Path

import asyncpg
import pytest
from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.egress import EgressPools
from broker_adapter.execution import store_inbox
from broker_adapter.sessions import store_sessions
from broker_adapter.sessions.manager import EGRESS_POOL_ERROR, SessionManager
from broker_adapter.sessions.pools import ClientPools
from broker_adapter.sessions.registry import Registry
from broker_adapter.sessions.session import SessionUnavailable
from broker_adapter.sessions.shared_token import TOKEN_KEY
from common.contracts.accounts import ClientNetwork, ClientUpserted, SessionChanged
from common.contracts.commands import PlaceOrder
from factories import make
from redis.asyncio import Redis
from schemas import migrated_pool
from stack.testing import TestStack

MIGRATIONS = Path(store_inbox.__file__).parents[1] / "migrations"
POOLS = ("default", "mumbai-a")
DEFAULT = EgressPools.of("default", POOLS)
MUMBAI = EgressPools.of("mumbai-a", POOLS)
LEASE_S = 1.0


@pytest.fixture
async def pool(stack: TestStack) -> AsyncIterator[asyncpg.Pool]:
    async with migrated_pool(stack.postgres_dsn, "broker_adapter", MIGRATIONS) as pool:
        yield pool


def identity(pool_name: str) -> ClientNetwork:
    return ClientNetwork(
        public_ip="49.36.12.8", local_ip="127.0.0.2", mac_address="02:42:ac:11:00:02",
        egress_pool=pool_name,
    )  # fmt: skip


async def register(pool: asyncpg.Pool) -> None:
    """plain: no identity; mumbai: pool mumbai-a; nowhere: a pool nobody runs; dealt: names
    mumbai-a but trades through a dealer (the dealer's session, the default pool's)."""
    for client in (
        make(ClientUpserted, client_id="plain"),
        make(ClientUpserted, client_id="mumbai", network_identity=identity("mumbai-a")),
        make(ClientUpserted, client_id="nowhere", network_identity=identity("mumbai-z")),
        make(ClientUpserted, client_id="dealt", network_identity=identity("mumbai-a"),
             dealer_id="desk1"),
    ):  # fmt: skip
        await store_sessions.upsert_account(pool, client)


def place(client_id: str, order_id: str | None = None) -> PlaceOrder:
    return make(PlaceOrder, order_id=order_id or f"o-{client_id}", client_id=client_id)


CLIENTS = ["plain", "mumbai", "nowhere", "dealt", "unregistered"]


async def test_each_command_is_answered_by_exactly_one_pool(pool: asyncpg.Pool) -> None:
    await register(pool)
    commands = [place(c) for c in CLIENTS]
    by_default = await ClientPools(DEFAULT, pool).answered(commands)
    by_mumbai = await ClientPools(MUMBAI, pool).answered(commands)
    assert [c.client_id for c in by_default] == ["plain", "nowhere", "dealt", "unregistered"]
    assert [c.client_id for c in by_mumbai] == ["mumbai"]
    # without pools one adapter answers for every client, without reading the registry
    assert await ClientPools(EgressPools(), pool).answered(commands) == commands


async def test_tracker_follows_only_the_orders_of_clients_its_pool_calls_for(
    pool: asyncpg.Pool,
) -> None:
    await register(pool)
    followed = [(c, f"order of {c}") for c in CLIENTS]
    served_by_default = await ClientPools(DEFAULT, pool).served(followed, lambda f: f[0])
    # the default pool refuses `nowhere` (no call for it), so it follows none of its orders
    assert [c for c, _ in served_by_default] == ["plain", "dealt", "unregistered"]
    assert [c for c, _ in await ClientPools(MUMBAI, pool).served(followed, lambda f: f[0])] == [
        "mumbai"
    ]


async def test_inbox_rows_of_a_dead_replica_pass_only_to_its_own_pool(pool: asyncpg.Pool) -> None:
    mumbai_1, mumbai_2 = MUMBAI.inbox_owner(), MUMBAI.inbox_owner()
    default_1 = DEFAULT.inbox_owner()
    await store_inbox.store_commands(pool, [place("mumbai")], mumbai_1, LEASE_S)
    await asyncio.sleep(LEASE_S * 1.5)  # mumbai_1 stops renewing: it died
    # the default pool's replica is live and looking for work: none of it is its own
    assert await store_inbox.renew_and_claim(pool, default_1, LEASE_S) == []
    taken = await store_inbox.renew_and_claim(pool, mumbai_2, LEASE_S)
    assert [r.command.client_id for r in taken] == ["mumbai"]


async def test_inbox_rows_stored_before_pools_are_free_to_claim(pool: asyncpg.Pool) -> None:
    # owners were a bare random hex before pools: such a row must not be stranded
    await store_inbox.store_commands(pool, [place("plain")], "0123abcd", LEASE_S)
    await asyncio.sleep(LEASE_S * 1.5)
    taken = await store_inbox.renew_and_claim(pool, DEFAULT.inbox_owner(), LEASE_S)
    assert [r.command.client_id for r in taken] == ["plain"]


@dataclass
class Infra:
    """What sessions and the registry ask of the service runtime (its pool, Redis, settings)."""

    pool: asyncpg.Pool
    redis: Redis
    settings: BrokerAdapterSettings


@pytest.fixture
async def redis(stack: TestStack) -> AsyncIterator[Redis]:
    client = Redis.from_url(stack.redis_url)
    yield client
    await client.aclose()


def adapter_of(pool: asyncpg.Pool, redis: Redis, egress: EgressPools) -> Infra:
    settings = BrokerAdapterSettings.model_validate(
        {"PLATFORM_DEV_MODE": True, "egress_pool": egress.mine, "egress_pools": POOLS}
    )
    return Infra(pool, redis, settings)


def sessions_of(adapter: Infra) -> SessionManager:
    async def publish(event: SessionChanged) -> None:
        pass  # nothing is published on the paths these tests take

    return SessionManager(adapter, publish, private_key=None, egress=adapter.settings.egress)


async def test_no_session_for_a_client_of_another_pool(pool: asyncpg.Pool, redis: Redis) -> None:
    await register(pool)
    sessions = sessions_of(adapter_of(pool, redis, DEFAULT))
    with pytest.raises(SessionUnavailable) as refused:
        await sessions.session_for("mumbai")
    assert refused.value.error_code == EGRESS_POOL_ERROR
    assert refused.value.state == "FAILED"  # its command is rejected at once, not parked
    assert "served by egress pool 'mumbai-a'" in refused.value.reason
    # nothing recorded: the client's session row belongs to its own pool
    assert await store_sessions.get_session(pool, "mumbai") is None


async def test_daily_relogin_and_admin_login_leave_another_pools_client_alone(
    pool: asyncpg.Pool, redis: Redis
) -> None:
    await register(pool)
    token_key = TOKEN_KEY.format(client_id="mumbai")
    await redis.set(token_key, "the mumbai-a pool's session")
    sessions = sessions_of(adapter_of(pool, redis, DEFAULT))
    await sessions.refresh("mumbai")  # the default pool's daily re-login reaches every key
    row = await sessions.login("mumbai")  # an admin's retry that reached the default pool
    assert row.state == "LOGGED_OUT"  # no login tried, nothing recorded
    assert await redis.get(token_key) == b"the mumbai-a pool's session"
    with pytest.raises(SessionUnavailable) as refused:
        await sessions.verify_otp("mumbai", "123456")
    assert "served by egress pool 'mumbai-a'" in refused.value.reason


async def test_default_pool_refuses_a_client_of_an_undeployed_pool_with_the_reason(
    pool: asyncpg.Pool, redis: Redis
) -> None:
    await register(pool)
    sessions = sessions_of(adapter_of(pool, redis, DEFAULT))
    with pytest.raises(SessionUnavailable) as refused:
        await sessions.session_for("nowhere")
    assert refused.value.error_code == EGRESS_POOL_ERROR
    assert "'mumbai-z', which no broker-adapter runs" in refused.value.reason


async def test_own_pool_client_goes_on_to_log_in(pool: asyncpg.Pool, redis: Redis) -> None:
    await register(pool)
    sessions = sessions_of(adapter_of(pool, redis, MUMBAI))
    with pytest.raises(SessionUnavailable) as failed:
        await sessions.session_for("mumbai")
    # past the pool check: the login itself fails (this test holds no opening key)
    assert failed.value.error_code == "CREDENTIALS"


async def test_registry_copy_of_each_client_is_written_by_its_own_pool(
    pool: asyncpg.Pool, redis: Redis
) -> None:
    # each pool reads every registry message; the one that owns the client applies it, so
    # it is the one that sees the client as new and logs it in
    messages = [
        make(ClientUpserted, client_id="plain"),
        make(ClientUpserted, client_id="mumbai", network_identity=identity("mumbai-a")),
    ]
    for egress in (MUMBAI, DEFAULT):
        adapter = adapter_of(pool, redis, egress)
        registry = Registry(
            adapter,  # in place of the runtime: its pool, Redis and settings
            sessions_of(adapter),
            login_on_register=False,
            login_concurrency=1,
        )
        await registry.handle(messages)
        if egress is MUMBAI:
            assert await store_sessions.get_account(pool, "plain") is None
            assert await store_sessions.get_account(pool, "mumbai") is not None
    assert await store_sessions.pools_of(pool, ["plain", "mumbai"]) == {
        "plain": "default",
        "mumbai": "mumbai-a",
    }
