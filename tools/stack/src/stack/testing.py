"""Test support: the same embedded stack `make run` uses, on free ports in a temp folder.

Tests talk to real servers over real connections. `TestStack` starts PostgreSQL, Redis and
Kafka once per test session (or uses POSTGRES_DSN / REDIS_URL / KAFKA_BOOTSTRAP when set),
and can start the simulator and any of the services as real processes on top.
"""

import os
import signal
import socket
from collections.abc import Iterable
from pathlib import Path

from common.internal_auth import internal_headers

from stack.config import StackSettings
from stack.platform import SERVICES, Platform, ServiceDef
from stack.replicas import replica_names, split_name


def free_port() -> int:
    with socket.socket() as sock:
        sock.bind(("127.0.0.1", 0))
        port: int = sock.getsockname()[1]
        return port


def _free_port_settings(state_dir: Path) -> StackSettings:
    ports = {
        "EMBEDDED_POSTGRES_PORT": free_port(),
        "EMBEDDED_REDIS_PORT": free_port(),
        "EMBEDDED_KAFKA_PORT": free_port(),
        "MOTILAL_SIM_PORT": free_port(),
        **{f"{svc.env_prefix}_PORT": free_port() for svc in SERVICES},
    }
    return StackSettings(STATE_DIR=state_dir, **ports)  # type: ignore[arg-type]


class TestStack:
    """Embedded infrastructure plus, on demand, the simulator and services."""

    __test__ = False  # not a test class, whatever pytest's name matching thinks

    def __init__(self, state_dir: Path, extra_env: dict[str, str] | None = None) -> None:
        self.settings = _free_port_settings(state_dir)
        self.platform = Platform(
            self.settings, services=(), simulator=False, extra_env=extra_env or {}
        )

    async def start_infra(self) -> None:
        await self.platform.start()

    @property
    def postgres_dsn(self) -> str:
        return self.platform.postgres_dsn

    @property
    def redis_url(self) -> str:
        return self.platform.redis_url

    @property
    def kafka_bootstrap(self) -> str:
        return self.platform.kafka_bootstrap

    @property
    def simulator_url(self) -> str:
        return self.platform.simulator_url

    def service_env(self, name: str | None = None) -> dict[str, str]:
        return self.platform.service_env(_service(name) if name else None)

    def internal_headers(self) -> dict[str, str]:
        """What a test sends to call a service's internal API directly (INTERNAL_API_TOKEN)."""
        return internal_headers(self.platform.internal_token)

    def url_of(self, name: str) -> str:
        """The URL of a service (its first process) or of a replica (`order-router-2`)."""
        service, index = _replica(name)
        return self.platform.service_url(service, index)

    async def start_simulator(self) -> str:
        if "motilal-sim" not in self.platform.supervisor.children:
            await self.platform._start_simulator()
        return self.simulator_url

    async def start_replicas(self, name: str, count: int) -> list[str]:
        """Run `count` processes of a service (the first is the service's own), each on a
        free port of its own, in the service's consumer groups; their names."""
        service = _service(name)
        names = replica_names(name, {name: count})
        started = []
        for index, replica in enumerate(names, start=1):
            child = self.platform.supervisor.children.get(replica)
            if child is None or child.process.poll() is not None:
                if index > 1:
                    self.platform.replica_ports.setdefault(replica, free_port())
                self.platform._start_service(service, index)
                started.append(replica)
        for replica in started:
            await self.platform.supervisor.wait_ready(replica, self.settings.ready_timeout_s)
        return names

    async def start_services(self, names: Iterable[str]) -> dict[str, str]:
        """Start services (if not running) and wait until each answers /ready."""
        started = []
        for name in names:
            child = self.platform.supervisor.children.get(name)
            if child is None or child.process.poll() is not None:
                self.platform._start_service(_service(name))
                started.append(name)
        for name in started:
            await self.platform.supervisor.wait_ready(name, self.settings.ready_timeout_s)
        return {name: self.url_of(name) for name in names}

    def kill(self, name: str, sig: int = signal.SIGKILL) -> None:
        """Kill a service the hard way (as a crash would) without restarting it."""
        child = self.platform.supervisor.children[name]
        os.killpg(child.process.pid, sig)
        child.process.wait(10)

    async def restart(self, name: str) -> None:
        """Start a killed service or replica again, on the same port."""
        self.platform._start_service(*_replica(name))
        await self.platform.supervisor.wait_ready(name, self.settings.ready_timeout_s)

    def log_of(self, name: str) -> str:
        return self.platform.supervisor.children[name].log_path.read_text(errors="replace")

    def stop(self) -> None:
        self.platform.stop()


def _replica(name: str) -> tuple[ServiceDef, int]:
    service, index = split_name(name, [svc.name for svc in SERVICES])
    return _service(service), index


def _service(name: str) -> ServiceDef:
    for service in SERVICES:
        if service.name == name:
            return service
    raise KeyError(f"no service named {name!r}")
