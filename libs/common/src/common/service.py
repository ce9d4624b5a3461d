"""The runtime every service is built on: settings, Kafka, PostgreSQL, Redis, health.

A service's app.py creates one `ServiceRuntime`, registers its consumers, routes and
readiness checks, and asks for the FastAPI app. The runtime owns start-up order (topics,
schema migrations, Redis, then consumers) and a clean shutdown.
"""

import asyncio
import logging
import os
import threading
from collections.abc import AsyncIterator, Awaitable, Callable, Sequence
from contextlib import asynccontextmanager
from pathlib import Path
from typing import Any

import asyncpg
import uvicorn
from fastapi import APIRouter, FastAPI
from fastapi.responses import JSONResponse
from redis.asyncio import Redis

from common.cache import create_redis
from common.consumers import Consumer, Revoked, Wants, subscribe
from common.contracts.envelope import Message
from common.db import apply_migrations, create_pool, pending_migrations
from common.doorbell import Doorbell
from common.http import OUTAGE_ERRORS, CorrelationIds, infrastructure_unavailable
from common.ids import new_id
from common.internal_auth import InternalAuth, internal_token
from common.kafka import Publisher, build_broker, ensure_topics
from common.logs import configure_logging
from common.metrics import ScrapeHook, metrics_response
from common.settings import ServiceSettings
from common.text_guard import UNSTORABLE_TEXT_ERRORS, TextGuard, unstorable_text
from common.topics import Topic

log = logging.getLogger(__name__)

SHUTDOWN_DEADLINE_S = 10.0
"""Longest a service takes to close its consumers, pools and clients once asked to stop."""

Check = Callable[[], Awaitable[str | None]]
"""A readiness check: returns None when fine, or a sentence saying what is wrong."""
Hook = Callable[[], Awaitable[None]]


class ServiceRuntime:
    def __init__(
        self,
        name: str,
        settings: ServiceSettings,
        *,
        migrations: Path | None = None,
        status_note: str | None = None,
    ) -> None:
        self.name = name
        self.schema = name.replace("-", "_")
        self.settings = settings
        self.migrations = migrations
        self.status_note = status_note
        self.broker = build_broker(settings, name)
        self.publisher = Publisher(self.broker)
        self._pool: asyncpg.Pool | None = None
        self._redis: Redis | None = None
        self._checks: dict[str, Check] = {}
        self._startup: list[Hook] = []
        self._shutdown: list[Hook] = []
        self._scrape_hooks: list[ScrapeHook] = []
        self._background: list[Callable[[], Awaitable[None]]] = []
        self._tasks: list[asyncio.Task[None]] = []
        self._consumers: list[Consumer] = []
        self._doorbell: Doorbell | None = None
        self._follow_group: str | None = None

    @property
    def pool(self) -> asyncpg.Pool:
        if self._pool is None:
            raise RuntimeError("the database pool is not open yet (service not started)")
        return self._pool

    @property
    def redis(self) -> Redis:
        if self._redis is None:
            raise RuntimeError("the Redis client is not open yet (service not started)")
        return self._redis

    def consume(
        self,
        topic: Topic,
        handler: Callable[[Sequence[Message]], Awaitable[None]],
        *,
        group: str | None = None,
        from_beginning: bool = True,
        max_attempts: int = 5,
        wants: Wants | None = None,
        on_revoked: Revoked | None = None,
    ) -> None:
        """Subscribe `handler` to `topic`; batches are committed after it returns.

        `wants` (see `common.consumers.Wants`) skips records by event type or key unparsed;
        `on_revoked` hears which partitions the group takes away (`common.consumers.Revoked`)."""
        self._consumers.append(
            Consumer(
                topic, group or self.name, handler, max_attempts, from_beginning, wants,
                on_revoked=on_revoked,
            )
        )  # fmt: skip

    def follow(
        self,
        topic: Topic,
        handler: Callable[[Sequence[Message]], Awaitable[None]],
        *,
        wants: Wants | None = None,
        gather_ms: int | None = None,
    ) -> None:
        """Subscribe `handler` to what `topic` gets from now on, in a group of this process
        alone: every replica sees every record (live feeds, watches over all clients).
        `gather_ms` sets the group's gather window (common.consumer_fetch; every consumer
        of the group must give the same), None the service's KAFKA_GATHER_MS.

        Never committed: a restarted process starts from the latest offset again under a new
        group, so its offsets would be read by no one (committing them after every batch
        was 6 % of the gateway's CPU at 100 orders/s)."""
        if self._follow_group is None:
            self._follow_group = f"{self.name}-live-{new_id()[:12]}"
        self._consumers.append(
            Consumer(topic, self._follow_group, handler, from_beginning=False, wants=wants,
                     commits=False, gather_ms=gather_ms)
        )  # fmt: skip

    def _subscribe_consumers(self) -> None:
        """One group member per (group, offset policy), registered just before start."""
        together: dict[tuple[str, bool], list[Consumer]] = {}
        for consumer in self._consumers:
            together.setdefault((consumer.group, consumer.from_beginning), []).append(consumer)
        for consumers in together.values():
            subscribe(self.broker, self.settings, self.name, consumers, self._doorbell)
        self._consumers.clear()

    def add_check(self, name: str, check: Check) -> None:
        self._checks[name] = check

    def on_startup(self, hook: Hook) -> Hook:
        self._startup.append(hook)
        return hook

    def on_shutdown(self, hook: Hook) -> Hook:
        self._shutdown.append(hook)
        return hook

    def on_scrape(self, hook: ScrapeHook) -> ScrapeHook:
        """Run `hook` before each /metrics answer (gauges read from PostgreSQL: they cost a
        query per scrape and nothing between scrapes)."""
        self._scrape_hooks.append(hook)
        return hook

    def background(self, loop: Callable[[], Awaitable[None]]) -> None:
        """Run `loop` as a task for the service's lifetime (cancelled at shutdown)."""
        self._background.append(loop)

    async def readiness(self) -> tuple[bool, dict[str, str]]:
        checks: dict[str, Check] = {
            "kafka": self._check_kafka,
            "postgres": self._check_postgres,
            "redis": self._check_redis,
            "migrations": self._check_migrations,
            **self._checks,
        }
        results: dict[str, str] = {}
        for name, check in checks.items():
            try:
                problem = await asyncio.wait_for(check(), timeout=3)
            except Exception as error:
                problem = self._failed_check(name, error)
            results[name] = problem or "ok"
        return all(v == "ok" for v in results.values()), results

    def _failed_check(self, name: str, error: Exception) -> str:
        """The error's text may hold a connection string (user, host, password): only the
        log and the embedded dev mode see it; elsewhere the body names the error's type."""
        log.warning("readiness check %s failed: %r", name, error)
        if self.settings.dev_mode:
            return f"check failed: {error!r}"
        return f"check failed: {type(error).__name__} (details in the service log)"

    async def _check_kafka(self) -> str | None:
        return None if await self.broker.ping(timeout=2) else "Kafka is not reachable"

    async def _check_postgres(self) -> str | None:
        await self.pool.fetchval("SELECT 1")
        return None

    async def _check_redis(self) -> str | None:
        await self.redis.ping()
        return None

    async def _check_migrations(self) -> str | None:
        if self.migrations is None:
            return None
        pending = await pending_migrations(self.pool, self.schema, self.migrations)
        return f"migrations not applied: {pending}" if pending else None

    async def _apply_migrations(self, migrations: Path) -> list[int]:
        """As the schema's owner when POSTGRES_MIGRATIONS_DSN is set: the service itself then
        connects as a role with only the grants it needs (the gateway's cannot change the
        audit log: migrations/029_app_role.sql)."""
        owner_dsn = self.settings.postgres_migrations_dsn
        if not owner_dsn:
            return await apply_migrations(self.pool, self.schema, migrations)
        owner = await create_pool(owner_dsn.get_secret_value(), self.schema, 1)
        try:
            return await apply_migrations(owner, self.schema, migrations)
        finally:
            await owner.close()

    @asynccontextmanager
    async def lifespan(self, app: FastAPI) -> AsyncIterator[None]:
        configure_logging(self.name, self.settings.log_level)
        internal_token(self.settings.internal_api_token, dev_mode=self.settings.dev_mode)
        await ensure_topics(self.settings.kafka_bootstrap, settings=self.settings)
        self._pool = await create_pool(
            self.settings.postgres_dsn, self.schema, self.settings.postgres_pool_max
        )
        if self.migrations is not None:
            applied = await self._apply_migrations(self.migrations)
            if applied:
                log.info("applied migrations %s to schema %s", applied, self.schema)
        self._redis = create_redis(self.settings.redis_url)
        if self.settings.kafka_doorbell:
            self._doorbell = self.publisher.doorbell = Doorbell(self._redis)
            self._background.append(self._doorbell.listen)
        for hook in self._startup:
            await hook()
        self._subscribe_consumers()
        await self.broker.start()
        self._tasks = [asyncio.create_task(_forever(loop)) for loop in self._background]
        log.info("%s started on %s:%s", self.name, self.settings.host, self.settings.port)
        try:
            yield
        finally:
            deadline = _exit_if_stuck(SHUTDOWN_DEADLINE_S)
            for task in self._tasks:
                task.cancel()
            await asyncio.gather(*self._tasks, return_exceptions=True)
            await self.broker.stop()
            for hook in reversed(self._shutdown):
                await hook()
            await self._redis.aclose()
            await self._pool.close()
            deadline.cancel()  # a clean stop must not end a process that goes on (tests)
            log.info("%s stopped", self.name)

    def create_app(
        self, routers: Sequence[APIRouter] = (), *, internal: bool = True, **fastapi_args: Any
    ) -> FastAPI:
        """`internal`: every route but /health, /ready, /metrics requires the deployment's
        INTERNAL_API_TOKEN (common.internal_auth); only the public gateway says False."""
        app = FastAPI(title=self.name, lifespan=self.lifespan, **fastapi_args)
        app.state.runtime = self  # routes reach the pool, Redis and publisher through it
        if internal:
            app.add_middleware(
                InternalAuth, token=self.settings.internal_api_token.get_secret_value()
            )
        app.add_middleware(TextGuard)
        app.add_middleware(CorrelationIds)  # outermost: a refusal carries the id too
        for error in UNSTORABLE_TEXT_ERRORS:
            app.add_exception_handler(error, unstorable_text)
        for outage in OUTAGE_ERRORS:  # PostgreSQL, Redis or Kafka down: 503, never 500
            app.add_exception_handler(outage, infrastructure_unavailable)

        @app.get("/health", tags=["ops"], summary="The process is alive")
        async def health() -> dict[str, str]:
            return {"status": "alive", "service": self.name}

        @app.get(
            "/ready", tags=["ops"], summary="Kafka, PostgreSQL, Redis reachable; schema up to date"
        )
        async def ready() -> JSONResponse:
            ok, checks = await self.readiness()
            body: dict[str, Any] = {
                "status": "ready" if ok else "not ready",
                "service": self.name,
                "checks": checks,
            }
            if self.status_note:
                body["note"] = self.status_note
            return JSONResponse(body, status_code=200 if ok else 503)

        @app.get("/metrics", tags=["ops"], summary="Prometheus metrics", include_in_schema=False)
        async def metrics() -> Any:
            return await metrics_response(self._scrape_hooks)

        for router in routers:
            app.include_router(router)
        return app

    def run(self, app: FastAPI) -> None:
        """Serve until SIGTERM/SIGINT; uvicorn drains requests and runs the lifespan's end."""
        configure_logging(self.name, self.settings.log_level)
        uvicorn.run(
            app,
            host=self.settings.host,
            port=self.settings.port,
            log_config=None,
            timeout_graceful_shutdown=5,
            # X-Forwarded-For is trusted only where a service says so (the gateway's
            # GATEWAY_TRUSTED_PROXIES); uvicorn would trust it from any local process.
            proxy_headers=False,
            # Quote frames are small and go to every watching socket: deflating each one
            # per socket costs CPU on the hot path and saves little.
            ws_per_message_deflate=False,
        )


def _exit_if_stuck(seconds: float) -> threading.Timer:
    """Once shutdown starts, the process ends within `seconds`, whatever hangs.

    Closing Kafka consumers and pools can wait on servers that are already gone (the
    launcher stopping everything at once, or dying); a service must never outlive that.
    """

    def give_up() -> None:
        log.error("shutdown did not finish in %.0f s; exiting now", seconds)
        os._exit(1)

    timer = threading.Timer(seconds, give_up)
    timer.daemon = True
    timer.start()
    return timer


async def _forever(loop: Callable[[], Awaitable[None]]) -> None:
    """Keep a background loop running: log and restart it if it raises."""
    while True:
        try:
            await loop()
            return
        except asyncio.CancelledError:
            raise
        except Exception:
            log.exception("background task %s failed; restarting in 1 s", loop.__name__)
            await asyncio.sleep(1)
