"""The gateway's REST API as the CLI uses it: one httpx client, the bearer token renewed
once on a 401 with the stored refresh token, and errors turned into one readable line."""

from typing import Any

import httpx

from platform_cli import config
from platform_cli.config import Credentials


class ApiError(Exception):
    """What the gateway said was wrong, in words (a 422 names each field)."""


class NotSignedIn(ApiError):
    pass


def describe(response: httpx.Response) -> str:
    """`HTTP 422: body.client_orders.1.client_id: client NOPE is not registered; ...`"""
    try:
        detail = response.json().get("detail", response.text)
    except ValueError:
        detail = response.text
    if isinstance(detail, list):
        parts = []
        for problem in detail:
            loc = ".".join(str(p) for p in problem.get("loc", []))
            parts.append(f"{loc}: {problem.get('msg')}" if loc else str(problem.get("msg")))
        detail = "; ".join(parts)
    elif isinstance(detail, dict):
        detail = "; ".join(f"{k}: {v}" for k, v in detail.items())
    return f"HTTP {response.status_code}: {detail}"


def sign_in(url: str, username: str, password: str) -> Credentials:
    with httpx.Client(base_url=url, timeout=30) as client:
        try:
            response = client.post(
                "/api/v1/auth/login", json={"username": username, "password": password}
            )
        except httpx.TransportError as error:
            raise ApiError(f"cannot reach the gateway at {url}: {error}") from error
    if response.status_code != 200:
        raise ApiError(describe(response))
    body = response.json()
    return Credentials(url, username, body["access_token"], body["refresh_token"])


class Api:
    """Calls as the signed-in user; build it with `Api.from_config()`."""

    def __init__(self, credentials: Credentials) -> None:
        self.credentials = credentials
        self._http = httpx.Client(base_url=credentials.url, timeout=30)

    @classmethod
    def from_config(cls) -> "Api":
        credentials = config.load()
        if credentials is None:
            raise NotSignedIn("not signed in: run `platform login` first")
        return cls(credentials)

    def close(self) -> None:
        self._http.close()

    def get(self, path: str, **params: Any) -> Any:
        query = {k: v for k, v in params.items() if v is not None}
        return self._call("GET", path, params=query)

    def get_csv(self, path: str, **params: Any) -> str:
        """The answer as CSV text (`Accept: text/csv`), for the exports."""
        query = {k: v for k, v in params.items() if v is not None}
        text: str = self._call("GET", path, params=query, headers={"Accept": "text/csv"}, text=True)
        return text

    def post(self, path: str, body: Any = None, headers: dict[str, str] | None = None) -> Any:
        return self._call("POST", path, json=body, headers=headers or {})

    def _call(self, method: str, path: str, text: bool = False, **kwargs: Any) -> Any:
        response = self._send(method, path, **kwargs)
        if response.status_code == 401 and self._refresh():
            response = self._send(method, path, **kwargs)
        if response.status_code == 401:
            raise NotSignedIn("the sign-in has expired: run `platform login` again")
        if response.status_code >= 400:
            raise ApiError(describe(response))
        if text:
            return response.text
        return response.json() if response.content else None

    def _send(self, method: str, path: str, **kwargs: Any) -> httpx.Response:
        headers = {"Authorization": f"Bearer {self.credentials.access_token}"}
        headers.update(kwargs.pop("headers", {}))
        try:
            return self._http.request(method, path, headers=headers, **kwargs)
        except httpx.TransportError as error:
            where = self.credentials.url
            raise ApiError(f"cannot reach the gateway at {where}: {error}") from error

    def _refresh(self) -> bool:
        """Trade the refresh token for a new pair and keep it (the old one is spent)."""
        response = self._http.post(
            "/api/v1/auth/refresh", json={"refresh_token": self.credentials.refresh_token}
        )
        if response.status_code != 200:
            return False
        body = response.json()
        self.credentials = Credentials(
            self.credentials.url,
            self.credentials.username,
            body["access_token"],
            body["refresh_token"],
        )
        config.save(self.credentials)
        return True
