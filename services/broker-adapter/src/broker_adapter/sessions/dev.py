"""Embedded dev mode only: log clients in straight from the simulator's demo accounts file.

Used when no client registry session exists (before issue 4's SessionManager is wired, and
in tests that publish commands without registering clients). client_id must equal the
account's client_code. Never used outside PLATFORM_DEV_MODE.
"""

import asyncio
import json
from collections.abc import Callable
from pathlib import Path

from motilal.client import MotilalClient
from motilal.config import Credentials, MotilalSettings
from motilal.errors import LoginFailed, MotilalError
from motilal.http import MotilalHttp

from broker_adapter.sessions.session import SessionUnavailable


class DevSessions:
    def __init__(self, accounts_file: Path, settings: MotilalSettings | None = None) -> None:
        self._settings = settings or MotilalSettings()
        self._accounts = self._load(accounts_file)
        self._clients: dict[str, MotilalClient] = {}
        self._locks: dict[str, asyncio.Lock] = {}
        self._http: MotilalHttp | None = None
        self.on_ready: Callable[[str, MotilalClient], None] | None = None

    @staticmethod
    def _load(path: Path) -> dict[str, Credentials]:
        if not path.exists():
            return {}
        raw = json.loads(path.read_text(encoding="utf-8"))
        return {
            str(a["client_code"]).upper(): Credentials(
                client_code=str(a["client_code"]),
                password=a["password"],
                api_key=a["api_key"],
                two_fa=a["dob"],
                totp_secret=a.get("totp_secret") or None,
            )
            for a in raw
        }

    def knows(self, client_id: str) -> bool:
        return client_id.upper() in self._accounts

    async def session_for(self, client_id: str) -> MotilalClient:
        code = client_id.upper()
        client = self._clients.get(code)
        if client is not None and client.session is not None:
            return client
        lock = self._locks.setdefault(code, asyncio.Lock())
        async with lock:
            client = self._clients.get(code)
            if client is not None and client.session is not None:
                return client
            return await self._login(client_id)

    async def relogin(self, client_id: str) -> MotilalClient:
        async with self._locks.setdefault(client_id.upper(), asyncio.Lock()):
            return await self._login(client_id)

    async def _login(self, client_id: str) -> MotilalClient:
        code = client_id.upper()
        creds = self._accounts.get(code)
        if creds is None:
            raise SessionUnavailable(client_id, "not a demo account", error_code="UNKNOWN_CLIENT")
        if self._http is None:
            self._http = MotilalHttp(self._settings)
        client = MotilalClient(self._settings, creds, http=self._http)
        try:
            await client.login()
        except LoginFailed as error:
            raise SessionUnavailable(client_id, str(error), error_code=error.code) from error
        except MotilalError as error:  # broker unreachable: worth waiting for
            raise SessionUnavailable(client_id, str(error)) from error
        self._clients[code] = client
        if self.on_ready is not None:
            self.on_ready(client_id, client)
        return client

    async def aclose(self) -> None:
        if self._http is not None:
            await self._http.aclose()
