"""A client's own network identity: its headers, and what Motilal would refuse."""

import pytest
from motilal import MotilalSettings, NetworkIdentity
from motilal.headers import build_headers
from pydantic import ValidationError

SETTINGS = MotilalSettings(
    client_public_ip="203.0.113.7", client_local_ip="10.0.0.5", mac_address="02:00:00:00:00:01"
)
OWN = NetworkIdentity(public_ip="49.36.12.34", local_ip="10.1.2.3", mac_address="0a-1b-2c-3d-4e-5f")


def _headers(identity: NetworkIdentity | None) -> dict[str, str]:
    return build_headers(
        SETTINGS, api_key="k", client_code="ab123", auth_token=None, identity=identity
    )


def test_an_account_with_its_own_identity_sends_its_addresses() -> None:
    headers = _headers(OWN)
    assert headers["ClientPublicIp"] == "49.36.12.34"
    assert headers["ClientLocalIp"] == "10.1.2.3"
    assert headers["MacAddress"] == "0A-1B-2C-3D-4E-5F"


def test_an_account_without_one_sends_the_deployments() -> None:
    headers = _headers(None)
    assert (headers["ClientPublicIp"], headers["ClientLocalIp"], headers["MacAddress"]) == (
        "203.0.113.7",
        "10.0.0.5",
        "02:00:00:00:00:01",
    )


def test_a_usable_identity_has_no_problems() -> None:
    assert OWN.problems() == {}


def test_loopback_and_private_addresses_are_named_by_field() -> None:
    identity = NetworkIdentity(
        public_ip="10.0.0.1", local_ip="127.0.0.1", mac_address="00:00:00:00:00:00"
    )
    assert set(identity.problems()) == {"public_ip", "local_ip", "mac_address"}
    assert "10.0.0.1" in identity.problems()["public_ip"]


@pytest.mark.parametrize(
    ("field", "value"),
    [("public_ip", "not-an-ip"), ("local_ip", "300.1.1.1"), ("mac_address", "00:11:22")],
)
def test_malformed_values_are_refused_naming_the_field(field: str, value: str) -> None:
    fields = {
        "public_ip": "49.36.12.34",
        "local_ip": "10.1.2.3",
        "mac_address": "02:00:00:00:00:01",
    }
    with pytest.raises(ValidationError) as refused:
        NetworkIdentity(**{**fields, field: value})
    assert refused.value.errors()[0]["loc"] == (field,)
