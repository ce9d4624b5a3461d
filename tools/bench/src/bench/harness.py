"""The whole platform for one benchmark or drill run, on free ports in a temp state folder.

`Harness` is the order tests' `start_trading` (tests/integration/orders/orders_testkit.py)
grown for measurement: the embedded stack (`stack.testing.TestStack`), the instrumented
simulator (bench/simulator.py) with N generated accounts, every service, the accounts
registered as clients (the gateway's dev-mode demo registration reads the same file) and
logged in at the broker, an admin token, and the Kafka tap.
"""

import asyncio
import contextlib
import sys
import time
from collections import Counter
from collections.abc import AsyncGenerator, Awaitable, Callable, Iterable
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, TypeVar

import httpx
from httpx_aiohttp import AiohttpTransport
from motilal import tag_for
from stack.platform import _http_ready
from stack.processes import ProcessSpec
from stack.testing import TestStack

from bench.accounts import write_accounts
from bench.tap import Tap

ADMIN = ("admin", "admin")
SERVICES = ["market-data", "portfolio", "order-router", "broker-adapter", "gateway"]
SBIN = 3045
T = TypeVar("T")


async def wait_for(
    probe: Callable[[], Awaitable[T | None]],
    seconds: float,
    what: str,
    every: float = 0.25,
) -> T:
    """Poll `probe` until it answers something truthy; raise naming `what` at the deadline."""
    deadline = time.monotonic() + seconds
    last: Any = None
    while time.monotonic() < deadline:
        last = await probe()
        if last:
            return last
        await asyncio.sleep(every)
    raise TimeoutError(f"timed out after {seconds:.0f} s waiting for {what}; last: {last!r}")


_KEEPALIVE_S = 2.0


class AdminAuth(httpx.Auth):
    """The admin's bearer token; logs in again when it expired (long runs outlive it)."""

    def __init__(self, harness: "Harness") -> None:
        self.harness = harness

    async def async_auth_flow(
        self, request: httpx.Request
    ) -> AsyncGenerator[httpx.Request, httpx.Response]:
        request.headers["Authorization"] = f"Bearer {self.harness.token}"
        response = yield request
        if response.status_code == 401:
            self.harness.token = await self.harness.login()
            request.headers["Authorization"] = f"Bearer {self.harness.token}"
            yield request


@dataclass
class Harness:
    folder: Path
    accounts: int
    env: dict[str, str] = field(default_factory=dict)
    """Extra environment for every process (service settings, simulator settings)."""
    stack: TestStack = field(init=False)
    clients: list[str] = field(init=False, default_factory=list)
    token: str = field(init=False, default="")
    tap: Tap = field(init=False)
    gateway: httpx.AsyncClient = field(init=False)
    sim: httpx.AsyncClient = field(init=False)

    async def start(self, log: Callable[[str], None] = print) -> None:
        started = time.monotonic()
        path, self.clients = write_accounts(self.folder, self.accounts)
        self.stack = TestStack(
            self.folder / "state",
            extra_env={
                "MOTILAL_SIM_ACCOUNTS": str(path),
                "GATEWAY_DEMO_ACCOUNTS_PATH": str(path),
                "BROKER_ADAPTER_DEV_ACCOUNTS_FILE": str(path),
                **self.env,
            },
        )
        # the gateway is ready once it registered every account (about 0.1-0.3 s each here)
        self.stack.settings.ready_timeout_s = max(
            self.stack.settings.ready_timeout_s, 90 + 0.5 * self.accounts
        )
        log("starting PostgreSQL, Redis and Kafka on free ports ...")
        await self.stack.start_infra()
        log(f"starting the instrumented simulator with {self.accounts} accounts ...")
        await self._start_simulator()
        log("starting the services ...")
        await self.stack.start_services(SERVICES)
        # uvicorn closes a connection idle for 5 s: reusing one at that moment is a ReadError
        # (it stopped bench runs after a settle). Drop idle connections sooner, client side.
        self.sim = httpx.AsyncClient(
            base_url=self.stack.simulator_url,
            timeout=60,
            limits=httpx.Limits(keepalive_expiry=_KEEPALIVE_S),
        )
        self.token = await self.login()
        # The load generator must not be the bottleneck it measures: httpcore's pool rescans
        # every queued request on each start and end (quadratic in the queue), so at 200
        # orders/s offered the bench itself was CPU-bound and sent 14/s. aiohttp queues in O(1).
        limits = httpx.Limits(max_connections=200, keepalive_expiry=_KEEPALIVE_S)
        self.gateway = httpx.AsyncClient(
            base_url=self.stack.url_of("gateway"),
            timeout=120,
            auth=AdminAuth(self),
            transport=AiohttpTransport(limits=limits),
        )
        self.tap = Tap(self.stack.kafka_bootstrap)
        await self.tap.start()
        log(f"platform up in {time.monotonic() - started:.0f} s; readying {self.accounts} clients")
        await self.ready_clients(log=log)
        log(
            f"{self.accounts} clients registered and logged in ({time.monotonic() - started:.0f} s)"
        )

    async def _start_simulator(self) -> None:
        platform = self.stack.platform
        s = platform.settings
        spec = ProcessSpec(
            name="motilal-sim",
            argv=[
                sys.executable,
                "-m",
                "bench.simulator",
                "--host",
                s.host,
                "--port",
                str(s.simulator_port),
            ],
            address=platform.simulator_url,
            port=s.simulator_port,
            port_variable="MOTILAL_SIM_PORT",
            ready=_http_ready(f"{platform.simulator_url}/sim/health", expect_ok=False),
            env=platform.extra_env,
        )
        platform.supervisor.start(spec)
        await platform.supervisor.wait_ready(spec.name, s.ready_timeout_s)
        platform.endpoints["motilal-sim"] = platform.simulator_url

    async def login(self) -> str:
        async with httpx.AsyncClient(base_url=self.stack.url_of("gateway"), timeout=60) as client:
            response = await client.post(
                "/api/v1/auth/login", json={"username": ADMIN[0], "password": ADMIN[1]}
            )
            response.raise_for_status()
            token: str = response.json()["access_token"]
            return token

    async def ready_clients(self, seconds: float = 600, log: Callable[[str], None] = print) -> None:
        """Until one share of SBIN can be bought (and is) for every client, in one batch.

        The router learns clients from the registry topic and the adapter logs each in on
        registration; a batch that fills for everyone proves both, and warms every path.
        """

        async def probe() -> bool:
            batch = await self.execute_all(self.clients, "BUY")
            if batch is None:
                return False
            ids = [o["order_id"] for o in batch["orders"]]
            await self.wait_batch(batch["batch_id"], ids, 300 + 1.5 * len(ids))
            statuses = Counter(self.tap.orders[o].status for o in ids)
            if set(statuses) != {"FILLED"}:
                reasons = {
                    f"{t.client_id}: {t.status} {t.reason}"
                    for t in (self.tap.orders[o] for o in ids)
                    if t.status != "FILLED"
                }
                log(f"warm-up batch not filled for everyone yet: {dict(statuses)} {reasons}")
                return False
            return True

        await wait_for(
            probe, seconds + 2 * self.accounts, "every client to fill a warm-up order", every=2
        )

    async def execute_all(
        self,
        clients: Iterable[str],
        side: str,
        quantity: int = 1,
        token: int = SBIN,
        headers: dict[str, str] | None = None,
    ) -> dict[str, Any] | None:
        """POST execute-all (MARKET, INTRADAY); the 202 body, or None when it was refused."""
        response = await self.post_execute_all(clients, side, quantity, token, headers)
        if response.status_code != 202:
            return None
        answer: dict[str, Any] = response.json()
        return answer

    async def post_execute_all(
        self,
        clients: Iterable[str],
        side: str,
        quantity: int = 1,
        token: int = SBIN,
        headers: dict[str, str] | None = None,
    ) -> httpx.Response:
        """POST execute-all (MARKET, INTRADAY) and return the answer, whatever it is."""
        body = {
            "token_id": token,
            "execution_type": side,
            "order_type": "MARKET",
            "trade_type": "INTRADAY",
            "client_orders": [{"client_id": c, "quantity": quantity} for c in clients],
        }
        return await self.gateway.post("/api/v1/orders/execute-all", json=body, headers=headers)

    async def wait_batch(self, batch_id: str, order_ids: list[str], seconds: float) -> list[str]:
        """Until the tap saw every order of the batch end; returns the order ids."""

        async def probe() -> bool:
            orders = self.tap.orders
            return all(o in orders and orders[o].terminal is not None for o in order_ids)

        await wait_for(probe, seconds, f"batch {batch_id} to end", every=0.02)
        return order_ids

    def pids(self) -> dict[str, int]:
        children = self.stack.platform.supervisor.children
        return {
            name: child.process.pid
            for name, child in children.items()
            if child.process.poll() is None
        }

    async def set_latency(self, latency_ms: float, jitter_ms: float = 0.0) -> None:
        faults = (await self.sim.get("/sim/faults")).json()
        faults.update(latency_ms=latency_ms, latency_jitter_ms=jitter_ms)
        (await self.sim.put("/sim/faults", json=faults)).raise_for_status()

    def known_tags(self) -> set[str]:
        """The broker tag of every platform order the tap has seen."""
        return {tag_for(order_id) for order_id in self.tap.orders}

    async def sim_orders(self, tags: Iterable[str] | None = None) -> list[dict[str, Any]]:
        """The simulator's orders: all of them, or those with these tags (cheap, indexed)."""
        if tags is None:
            response = await self.sim.get("/bench/orders")
        else:
            response = await self.sim.post("/bench/orders", json={"tags": sorted(set(tags))})
        response.raise_for_status()
        rows: list[dict[str, Any]] = response.json()
        return rows

    async def stop(self) -> None:
        for owner, method in (("tap", "stop"), ("gateway", "aclose"), ("sim", "aclose")):
            closer = getattr(getattr(self, owner, None), method, None)
            if closer is not None:
                with contextlib.suppress(Exception):
                    await closer()
        if hasattr(self, "stack"):
            self.stack.stop()
