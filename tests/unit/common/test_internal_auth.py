"""Internal APIs require the deployment's INTERNAL_API_TOKEN; ops routes stay open."""

from pathlib import Path
from typing import Any

import httpx
import pytest
import yaml
from common.http import service_client
from common.internal_auth import INTERNAL_TOKEN_HEADER, internal_token
from common.service import ServiceRuntime
from common.settings import ServiceSettings
from fastapi import APIRouter
from pydantic import SecretStr
from stack.k8s import service_resources
from stack.platform import SERVICES

TOKEN = "t" * 40
ROOT = Path(__file__).parents[3]
router = APIRouter()


@router.get("/internal/things/{thing}")
async def thing(thing: str) -> dict[str, str]:
    return {"thing": thing}


def _client(*, internal: bool = True, token: str = TOKEN, **headers: str) -> httpx.AsyncClient:
    settings = ServiceSettings(internal_api_token=SecretStr(token))
    app = ServiceRuntime("svc", settings).create_app([router], internal=internal)
    return httpx.AsyncClient(
        transport=httpx.ASGITransport(app=app), base_url="http://svc", headers=headers
    )


async def test_without_the_token_an_internal_route_is_401() -> None:
    async with _client() as http:
        response = await http.get("/internal/things/a")
    assert response.status_code == 401
    assert INTERNAL_TOKEN_HEADER in response.json()["detail"]


async def test_a_wrong_token_is_403_and_never_echoed() -> None:
    async with _client(**{INTERNAL_TOKEN_HEADER: "guess-" + "x" * 34}) as http:
        response = await http.get("/internal/things/a")
    assert response.status_code == 403
    assert "guess" not in response.text and TOKEN not in response.text


async def test_the_token_opens_every_route_including_unknown_ones() -> None:
    async with _client(**{INTERNAL_TOKEN_HEADER: TOKEN}) as http:
        assert (await http.get("/internal/things/a")).json() == {"thing": "a"}
        assert (await http.get("/nowhere")).status_code == 404
    async with _client() as http:  # no token: a 404 would tell what exists
        assert (await http.get("/nowhere")).status_code == 401
        assert (await http.get("/openapi.json")).status_code == 401


async def test_service_client_presents_the_token() -> None:
    async with service_client("http://svc", SecretStr(TOKEN)) as http:
        assert http.headers[INTERNAL_TOKEN_HEADER] == TOKEN
    async with service_client("http://svc", "") as http:  # dev mode without a token
        assert INTERNAL_TOKEN_HEADER not in http.headers


async def test_ops_routes_stay_open() -> None:
    async with _client() as http:
        assert (await http.get("/health")).status_code == 200
        assert (await http.get("/metrics")).status_code == 200


async def test_the_public_gateway_is_not_guarded() -> None:
    async with _client(internal=False) as http:
        assert (await http.get("/internal/things/c")).status_code == 200


def test_outside_dev_mode_the_token_is_required_naming_the_setting() -> None:
    for weak in ("", "short"):
        with pytest.raises(RuntimeError, match="INTERNAL_API_TOKEN"):
            internal_token(SecretStr(weak), dev_mode=False)
    assert internal_token(SecretStr(TOKEN), dev_mode=False) == TOKEN
    assert internal_token(SecretStr(""), dev_mode=True) == ""


def test_the_setting_is_read_from_the_environment_and_hidden(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("INTERNAL_API_TOKEN", TOKEN)
    settings = ServiceSettings()
    assert settings.internal_api_token.get_secret_value() == TOKEN
    assert TOKEN not in repr(settings)


def test_every_deployment_gives_every_service_the_token() -> None:
    compose: dict[str, Any] = yaml.safe_load((ROOT / "docker-compose.yml").read_text())
    for service in SERVICES:
        assert "INTERNAL_API_TOKEN" in compose["services"][service.name]["environment"]
    for doc in service_resources():
        if doc["kind"] == "Deployment":
            env = doc["spec"]["template"]["spec"]["containers"][0]["env"]
            assert "INTERNAL_API_TOKEN" in {e["name"] for e in env}


def test_network_policies_deny_by_default_and_open_only_the_gateway_to_the_ingress() -> None:
    docs = [d for d in yaml.safe_load_all((ROOT / "infra/k8s/network-policies.yaml").read_text())]
    by_name = {d["metadata"]["name"]: d["spec"] for d in docs}
    assert by_name["default-deny"] == {"podSelector": {}, "policyTypes": ["Ingress", "Egress"]}
    from_ingress = [
        spec
        for spec in by_name.values()
        if any("namespaceSelector" in p for r in spec.get("ingress", []) for p in r["from"])
        and "monitoring" not in str(spec)
    ]
    assert [s["podSelector"] for s in from_ingress] == [
        {"matchLabels": {"app.kubernetes.io/name": "gateway"}}
    ]
    internet = [s for s in by_name.values() if "ipBlock" in str(s.get("egress"))]
    assert len(internet) == 1
    assert internet[0]["podSelector"]["matchExpressions"][0]["values"] == [
        "broker-adapter",
        "market-data",
    ]
