"""Fixtures and helpers for the motilal contract tests (a unique module name, so other suites'
conftest.py files never shadow it).

One simulator serves the whole session with its random walk paused, so prices move only when a
test says so (/sim/prices); every test starts from /sim/reset.
"""

import json
from collections.abc import AsyncIterator, Awaitable, Callable, Iterator
from decimal import Decimal
from pathlib import Path
from typing import Any

import httpx
import pytest
from motilal import Credentials, MotilalClient, MotilalSettings
from motilal_sim.testing import RunningSimulator, run_simulator

ROOT = Path(__file__).resolve().parents[3]
ACCOUNTS: list[dict[str, Any]] = json.loads((ROOT / "data" / "sim-accounts.json").read_text())
RELIANCE = ("NSE", 2885)
NIFTY_FUT = ("NSEFO", 62151)


@pytest.fixture(scope="session")
def sim() -> Iterator[RunningSimulator]:
    env = {"MOTILAL_SIM_TICK_INTERVAL": "0", "MOTILAL_SIM_FEED_HEARTBEAT_SECONDS": "0.3"}
    with run_simulator(seed=11, env=env) as running:
        yield running


@pytest.fixture(autouse=True)
def _fresh_sim(sim: RunningSimulator) -> None:
    httpx.post(f"{sim.base_url}/sim/reset", timeout=5).raise_for_status()


class SimControl:
    """The /sim control API, as tests use it."""

    def __init__(self, base_url: str) -> None:
        self._http = httpx.AsyncClient(base_url=base_url, timeout=10)

    async def close(self) -> None:
        await self._http.aclose()

    async def _send(self, method: str, path: str, body: Any = None) -> Any:
        response = await self._http.request(method, path, json=body)
        response.raise_for_status()
        return response.json()

    async def set_price(self, instrument: tuple[str, int], price: str) -> dict[str, Any]:
        exchange, token = instrument
        body = {"exchange": exchange, "token": token, "price": price}
        result: dict[str, Any] = await self._send("POST", "/sim/prices", body)
        return result

    async def faults(self, **config: Any) -> None:
        await self._send("PUT", "/sim/faults", config)

    async def matching(self, **config: Any) -> None:
        await self._send("PUT", "/sim/matching", config)

    async def counters(self) -> dict[str, Any]:
        result: dict[str, Any] = await self._send("GET", "/sim/counters")
        return result

    async def expire(self, client_code: str) -> None:
        await self._send("POST", f"/sim/sessions/{client_code}/expire")

    async def otp(self, client_code: str) -> str:
        return str((await self._send("GET", f"/sim/otp/{client_code}"))["otp"])

    async def down(self, seconds: float) -> None:
        await self._send("POST", "/sim/down", {"seconds": seconds})

    async def set_position(self, **body: Any) -> list[dict[str, Any]]:
        result = await self._send("POST", "/sim/positions", body)
        return list(result["positions"])

    async def walk(self, **body: Any) -> None:
        await self._send("POST", "/sim/walk", body)


@pytest.fixture
async def control(sim: RunningSimulator) -> AsyncIterator[SimControl]:
    ctl = SimControl(sim.base_url)
    yield ctl
    await ctl.close()


def credentials(index: int = 0, *, totp: bool = True, **changes: str) -> Credentials:
    acct = ACCOUNTS[index]
    values: dict[str, Any] = {
        "client_code": acct["client_code"],
        "password": acct["password"],
        "api_key": acct["api_key"],
        "two_fa": acct["dob"],
        "totp_secret": acct["totp_secret"] if totp else None,
    }
    values.update(changes)
    return Credentials(**values)


ClientFactory = Callable[..., Awaitable[MotilalClient]]


@pytest.fixture
async def make_client(sim: RunningSimulator) -> AsyncIterator[ClientFactory]:
    made: list[MotilalClient] = []

    async def make(
        index: int = 0,
        *,
        login: bool = True,
        creds: Credentials | None = None,
        settings: dict[str, Any] | None = None,
        **client_options: Any,
    ) -> MotilalClient:
        config = MotilalSettings(
            **{"base_url": sim.base_url, "read_timeout": 5, **(settings or {})}
        )
        client = MotilalClient(config, creds or credentials(index), **client_options)
        made.append(client)
        if login:
            await client.login()
        return client

    yield make
    for client in made:
        await client.aclose()


@pytest.fixture
async def client(make_client: ClientFactory) -> MotilalClient:
    return await make_client(0)


def rupees(value: str) -> Decimal:
    return Decimal(value)
