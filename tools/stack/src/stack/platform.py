"""The whole platform as one set of supervised processes, in dependency order.

Order: PostgreSQL, Redis, Kafka (with topics), the Motilal simulator, then the services.
Stop order is the reverse, so services drain while their infrastructure is still up.
"""

import asyncio
import importlib.util
import os
import secrets
import sys
from collections.abc import Mapping
from dataclasses import dataclass

import httpx
from common.kafka import ensure_topics

from stack.config import StackSettings
from stack.infra import DATABASE, create_database, kafka_spec, postgres_spec, redis_spec
from stack.keys import credential_keys, registry_signing_keys
from stack.processes import ProcessSpec, ReadyProbe, Supervisor
from stack.replicas import PORT_STEP, parse_replicas, replica_name, replica_names


@dataclass(frozen=True)
class ServiceDef:
    name: str
    module: str
    port_field: str
    env_prefix: str


SERVICES = (
    ServiceDef("order-router", "order_router", "order_router_port", "ORDER_ROUTER"),
    ServiceDef("broker-adapter", "broker_adapter", "broker_adapter_port", "BROKER_ADAPTER"),
    ServiceDef("portfolio", "portfolio", "portfolio_port", "PORTFOLIO"),
    ServiceDef("market-data", "market_data", "market_data_port", "MARKET_DATA"),
    ServiceDef("gateway", "gateway", "gateway_port", "GATEWAY"),
)
INFRA = ("postgres", "redis", "kafka")


def _http_ready(url: str, expect_ok: bool = True) -> ReadyProbe:
    async def ready() -> bool:
        async with httpx.AsyncClient(timeout=2) as client:
            response = await client.get(url)
        return response.status_code == 200 if expect_ok else response.status_code < 500

    return ready


def simulator_available() -> bool:
    return importlib.util.find_spec("motilal_sim.__main__") is not None


class Platform:
    def __init__(
        self,
        settings: StackSettings,
        *,
        services: tuple[ServiceDef, ...] = SERVICES,
        simulator: bool = True,
        extra_env: dict[str, str] | None = None,
        replicas: Mapping[str, int] | None = None,
    ) -> None:
        self.settings = settings
        # processes per service (stack.replicas): the argument, else STACK_REPLICAS
        names = [svc.name for svc in SERVICES]
        self.replicas = dict(replicas or parse_replicas(settings.replicas, names))
        self.replica_ports: dict[str, int] = {}  # replica name -> port, where not the default
        self.services = services
        self.simulator = simulator and simulator_available()
        self.extra_env = extra_env or {}
        self.supervisor = Supervisor(settings.state_dir)
        self.endpoints: dict[str, str] = {}
        self.embedded: list[str] = []
        # the services' shared INTERNAL_API_TOKEN: a fresh one each run (common.internal_auth)
        self.internal_token = secrets.token_urlsafe(32)

    @property
    def postgres_dsn(self) -> str:
        s = self.settings
        return s.postgres_dsn or f"postgresql://postgres@{s.host}:{s.postgres_port}/{DATABASE}"

    @property
    def redis_url(self) -> str:
        s = self.settings
        return s.redis_url or f"redis://{s.host}:{s.redis_port}/0"

    @property
    def kafka_bootstrap(self) -> str:
        s = self.settings
        return s.kafka_bootstrap or f"{s.host}:{s.kafka_port}"

    @property
    def simulator_url(self) -> str:
        return f"http://{self.settings.host}:{self.settings.simulator_port}"

    def service_url(self, service: ServiceDef, index: int = 1) -> str:
        return f"http://{self.settings.host}:{self.replica_port(service, index)}"

    def replica_port(self, service: ServiceDef, index: int = 1) -> int:
        """Replica `index`'s port: the service's own for the first (stack.replicas)."""
        base: int = getattr(self.settings, service.port_field)
        name = replica_name(service.name, index)
        return self.replica_ports.get(name, base + PORT_STEP * (index - 1))

    def service_env(self, service: ServiceDef | None = None) -> dict[str, str]:
        """What a service process is told: where the infrastructure and its peers are.

        Only the broker-adapter is given the key that opens client credentials, only the
        gateway the key that signs the client registry.
        """
        public_key, private_key = credential_keys(self.settings.state_dir)
        env: dict[str, str] = {
            "KAFKA_BOOTSTRAP": self.kafka_bootstrap,
            "POSTGRES_DSN": self.postgres_dsn,
            "REDIS_URL": self.redis_url,
            "PLATFORM_DEV_MODE": "true",
            # the embedded stack runs at any hour: no market_closed denials (README)
            "MARKET_HOURS_ENFORCED": "false",
            "MOTILAL_BASE_URL": self.simulator_url,
            # tansu holds a fetch for its whole wait: idle consumers sleep until a
            # producer rings (common.doorbell) instead of polling it
            "KAFKA_DOORBELL": "true",
            "INTERNAL_API_TOKEN": self.internal_token,
        }
        for peer in SERVICES:
            env[f"{peer.env_prefix}_PORT"] = str(getattr(self.settings, peer.port_field))
            env[f"{peer.env_prefix}_HOST"] = self.settings.host
            env[f"{peer.env_prefix}_URL"] = self.service_url(peer)
        env["GATEWAY_CREDENTIALS_PUBLIC_KEY"] = public_key
        verify_key, signing_key = registry_signing_keys(self.settings.state_dir)
        env["BROKER_ADAPTER_REGISTRY_VERIFY_KEY"] = verify_key
        if service is not None and service.name == "broker-adapter":
            env["BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY"] = private_key
        if service is not None and service.name == "gateway":
            env["GATEWAY_REGISTRY_SIGNING_KEY"] = signing_key
        return {**env, **self.extra_env}

    async def start(self) -> None:
        s = self.settings
        leftovers = self.supervisor.reap_leftovers()
        if leftovers:
            print(f"stopped processes left by an earlier run: {', '.join(leftovers)}", flush=True)
        infra: list[ProcessSpec] = []
        if not s.postgres_dsn:
            infra.append(postgres_spec(s.state_dir, s.host, s.postgres_port))
        if not s.redis_url:
            infra.append(redis_spec(s.state_dir, s.host, s.redis_port))
        if not s.kafka_bootstrap:
            infra.append(kafka_spec(s.host, s.kafka_port))
        for spec in infra:
            self.supervisor.start(spec)
            self.embedded.append(spec.name)
        await asyncio.gather(
            *(self.supervisor.wait_ready(spec.name, s.ready_timeout_s) for spec in infra)
        )
        if not s.postgres_dsn:
            await create_database(s.host, s.postgres_port)
        await ensure_topics(self.kafka_bootstrap)
        self.endpoints.update(
            postgres=self.postgres_dsn, redis=self.redis_url, kafka=self.kafka_bootstrap
        )
        if self.simulator:
            await self._start_simulator()
        for service in self.services:
            for index in range(1, self.replicas.get(service.name, 1) + 1):
                self._start_service(service, index)
        await asyncio.gather(
            *(
                self.supervisor.wait_ready(name, s.ready_timeout_s)
                for svc in self.services
                for name in replica_names(svc.name, self.replicas)
            )
        )

    async def _start_simulator(self) -> None:
        s = self.settings
        spec = ProcessSpec(
            name="motilal-sim",
            argv=[
                sys.executable,
                "-m",
                "motilal_sim",
                "--host",
                s.host,
                "--port",
                str(s.simulator_port),
            ],
            address=self.simulator_url,
            port=s.simulator_port,
            port_variable="MOTILAL_SIM_PORT",
            ready=_http_ready(f"{self.simulator_url}/sim/health", expect_ok=False),
            env=self.extra_env,
        )
        self.supervisor.start(spec)
        await self.supervisor.wait_ready(spec.name, s.ready_timeout_s)
        self.endpoints["motilal-sim"] = self.simulator_url

    def _start_service(self, service: ServiceDef, index: int = 1) -> None:
        """Replica `index` of a service: the same environment as every other but its port."""
        url = self.service_url(service, index)
        port = self.replica_port(service, index)
        port_variable = f"{service.env_prefix}_PORT"
        spec = ProcessSpec(
            name=replica_name(service.name, index),
            argv=[sys.executable, "-m", service.module],
            address=url,
            port=port,
            port_variable=port_variable,
            ready=_http_ready(f"{url}/ready"),
            env={**self.service_env(service), port_variable: str(port)},
        )
        self.supervisor.start(spec)
        self.endpoints[spec.name] = url

    def stop(self) -> None:
        # every service process, replicas and those started on demand (tests) included
        services = [n for n in self.supervisor.children if n not in (*INFRA, "motilal-sim")]
        self.supervisor.stop(services, timeout=6)
        self.supervisor.stop(["motilal-sim"], timeout=2)
        self.supervisor.stop(list(INFRA), timeout=2)

    def table(self) -> str:
        rows = [("what", "where", "pid", "log")]
        for name, address in self.endpoints.items():
            child = self.supervisor.children.get(name)
            pid = str(child.process.pid) if child else "external"
            log_path = os.path.relpath(child.log_path) if child else "-"
            rows.append((name, address, pid, log_path))
        widths = [max(len(r[i]) for r in rows) for i in range(4)]
        lines = ["  ".join(cell.ljust(w) for cell, w in zip(r, widths, strict=True)) for r in rows]
        lines.insert(1, "  ".join("-" * w for w in widths))
        return "\n".join(lines)
