"""A client's network identity at registration (issue 15 item 5): outside development mode
an identity Motilal would refuse is a 422 naming the field; in development mode anything
goes (the simulator runs on loopback)."""

import pytest
from gateway.clients.models import ClientCreate, ClientUpdate
from gateway.clients.network import IdentityRule
from gateway.clients.registry import FieldErrors, Registry
from motilal.identity import NetworkIdentity
from pydantic import ValidationError

PUBLIC = {"public_ip": "49.36.12.8", "local_ip": "10.0.4.21", "mac_address": "02:42:ac:11:00:02"}
GOOD_DEFAULT = NetworkIdentity(
    public_ip="49.36.12.9", local_ip="10.0.4.20", mac_address="02:42:AC:11:00:01"
)
LOOPBACK_DEFAULT = NetworkIdentity(
    public_ip="127.0.0.1", local_ip="127.0.0.1", mac_address="00:00:00:00:00:00"
)


def _create(**identity: object) -> ClientCreate:
    body: dict[str, object] = {
        "name": "Asha",
        "motilal_client_id": "AB123",
        "api_key": "k",
        "password": "p",
        "dob": "14/03/1986",
    }
    if identity:
        body["network_identity"] = identity
    return ClientCreate.model_validate(body)


def _fields(rule: IdentityRule, body: ClientCreate) -> dict[str, str]:
    return dict(rule.refusals(body.network_identity))


def test_a_public_identity_of_its_own_is_accepted_outside_dev_mode() -> None:
    rule = IdentityRule(dev_mode=False, default=LOOPBACK_DEFAULT)
    assert _fields(rule, _create(**PUBLIC)) == {}


def test_a_loopback_identity_is_refused_naming_each_field() -> None:
    rule = IdentityRule(dev_mode=False, default=GOOD_DEFAULT)
    body = _create(public_ip="127.0.0.1", local_ip="127.0.0.2", mac_address="00:00:00:00:00:00")
    refused = _fields(rule, body)
    assert set(refused) == {
        "network_identity.public_ip",
        "network_identity.local_ip",
        "network_identity.mac_address",
    }
    assert "not a public address" in refused["network_identity.public_ip"]


def test_a_private_public_ip_is_refused() -> None:
    rule = IdentityRule(dev_mode=False, default=GOOD_DEFAULT)
    refused = _fields(rule, _create(**{**PUBLIC, "public_ip": "192.168.1.10"}))
    assert list(refused) == ["network_identity.public_ip"]


def test_no_identity_falls_back_to_the_deployment_default() -> None:
    assert _fields(IdentityRule(dev_mode=False, default=GOOD_DEFAULT), _create()) == {}
    refused = _fields(IdentityRule(dev_mode=False, default=LOOPBACK_DEFAULT), _create())
    assert list(refused) == ["network_identity"]
    assert "MOTILAL_CLIENT_" in refused["network_identity"]
    missing = _fields(IdentityRule(dev_mode=False, default=None), _create())
    assert list(missing) == ["network_identity"]


def test_development_mode_accepts_loopback() -> None:
    rule = IdentityRule(dev_mode=True, default=LOOPBACK_DEFAULT)
    body = _create(public_ip="127.0.0.1", local_ip="127.0.0.2", mac_address="00:00:00:00:00:00")
    assert _fields(rule, body) == {}
    assert _fields(rule, _create()) == {}


async def test_registration_is_refused_before_anything_is_written() -> None:
    """The check runs first: no database or broker is reached (none is given)."""
    registry = Registry(
        pool=None,  # type: ignore[arg-type]
        publisher=None,  # type: ignore[arg-type]
        public_key=None,
        identity_rule=IdentityRule(dev_mode=False, default=LOOPBACK_DEFAULT),
    )
    with pytest.raises(FieldErrors) as refused:
        await registry.create(None, _create())  # type: ignore[arg-type]
    assert [f for f, _ in refused.value.errors] == ["network_identity"]
    update = ClientUpdate.model_validate({"network_identity": None})
    with pytest.raises(FieldErrors):
        await registry.update(None, "AB123", update)  # type: ignore[arg-type]


def test_malformed_identity_is_a_validation_error_naming_the_field() -> None:
    with pytest.raises(ValidationError) as bad:
        _create(**{**PUBLIC, "local_ip": "not-an-ip"})
    assert bad.value.errors()[0]["loc"] == ("network_identity", "local_ip")
    with pytest.raises(ValidationError) as extra:
        _create(**PUBLIC, vlan=3)
    assert extra.value.errors()[0]["loc"] == ("network_identity", "vlan")
    with pytest.raises(ValidationError) as pool:
        _create(**PUBLIC, egress_pool="Not A Pool")
    assert pool.value.errors()[0]["loc"] == ("network_identity", "egress_pool")


def test_the_identity_travels_as_the_contract() -> None:
    body = _create(**PUBLIC, family="sharma", egress_pool="mumbai-a")
    assert body.network_identity is not None
    sent = body.network_identity.contract()
    assert (sent.public_ip, sent.local_ip, sent.family, sent.egress_pool) == (
        "49.36.12.8",
        "10.0.4.21",
        "sharma",
        "mumbai-a",
    )
    assert sent.mac_address == "02:42:AC:11:00:02"
