"""Egress pools: which clients a broker-adapter serves, refuses or leaves to another pool."""

import pytest
from broker_adapter.config import BrokerAdapterSettings
from broker_adapter.egress import DEFAULT_POOL, EgressPools, Verdict, pool_of, pool_of_registered
from common.contracts.accounts import ClientNetwork, ClientUpserted
from factories import make
from pydantic import ValidationError

POOLS = ("default", "mumbai-a")
DEFAULT = EgressPools.of("default", POOLS)
MUMBAI = EgressPools.of("mumbai-a", POOLS)
EVERY = EgressPools()


def identity(pool: str | None) -> ClientNetwork:
    return ClientNetwork(
        public_ip="49.36.12.8", local_ip="10.0.4.21", mac_address="02:42:ac:11:00:02",
        egress_pool=pool,
    )  # fmt: skip


def test_pool_of_client_is_the_pool_its_identity_names() -> None:
    assert pool_of(identity("mumbai-a"), None) == "mumbai-a"


def test_pool_of_client_without_identity_or_pool_is_default() -> None:
    assert pool_of(None, None) == DEFAULT_POOL
    assert pool_of(identity(None), None) == DEFAULT_POOL


def test_pool_of_dealer_client_is_default_whatever_its_identity_says() -> None:
    # its calls are the dealer's session's, and a dealer has no identity of its own
    assert pool_of(identity("mumbai-a"), "D1") == DEFAULT_POOL


def test_pool_of_registered_unknown_client_is_default() -> None:
    assert pool_of_registered(None) == DEFAULT_POOL
    upserted = make(ClientUpserted, network_identity=identity("mumbai-a"))
    assert pool_of_registered(upserted) == "mumbai-a"


@pytest.mark.parametrize(
    ("adapter", "client_pool", "verdict"),
    [
        (EVERY, "default", Verdict.SERVE),
        (EVERY, "mumbai-a", Verdict.SERVE),
        (EVERY, "nowhere", Verdict.SERVE),
        (DEFAULT, "default", Verdict.SERVE),
        (DEFAULT, "mumbai-a", Verdict.SKIP),
        (DEFAULT, "nowhere", Verdict.REFUSE),
        (MUMBAI, "mumbai-a", Verdict.SERVE),
        (MUMBAI, "default", Verdict.SKIP),
        (MUMBAI, "nowhere", Verdict.SKIP),
    ],
)
def test_verdict_exactly_one_deployed_adapter_answers_for_each_client(
    adapter: EgressPools, client_pool: str, verdict: Verdict
) -> None:
    assert adapter.verdict(client_pool) is verdict


@pytest.mark.parametrize("client_pool", ["default", "mumbai-a", "nowhere"])
def test_verdict_every_client_has_exactly_one_pool_answering_for_it(client_pool: str) -> None:
    answering = [a.mine for a in (DEFAULT, MUMBAI) if a.answers_for(client_pool)]
    assert len(answering) == 1


def test_why_not_names_the_pool_that_serves_the_client() -> None:
    assert MUMBAI.why_not("C1", "mumbai-a") is None
    assert DEFAULT.why_not("C1", "mumbai-a") == (
        "client C1 is served by egress pool 'mumbai-a', not 'default'"
    )


def test_why_not_for_an_undeployed_pool_says_what_to_do() -> None:
    reason = DEFAULT.why_not("C1", "mumbai-z")
    assert reason is not None
    assert "'mumbai-z', which no broker-adapter runs" in reason
    assert "default, mumbai-a" in reason
    assert "network_identity.egress_pool" in reason


def test_scoped_names_are_unchanged_without_pools_and_per_pool_with_them() -> None:
    assert EVERY.scoped("broker-adapter") == "broker-adapter"
    assert MUMBAI.scoped("broker-adapter") == "broker-adapter.mumbai-a"
    assert DEFAULT.scoped("broker-adapter") == "broker-adapter.default"


def test_inbox_owner_starts_with_the_pool_and_is_unique_per_process() -> None:
    assert MUMBAI.inbox_owner().startswith("mumbai-a/")
    assert EVERY.inbox_owner().startswith("/")
    assert MUMBAI.inbox_owner() != MUMBAI.inbox_owner()


# ---- settings ------------------------------------------------------------------------------


def settings(**env: str) -> BrokerAdapterSettings:
    return BrokerAdapterSettings.model_validate(env)


def test_settings_without_pool_serve_every_client() -> None:
    assert settings().egress == EVERY


def test_settings_pools_are_read_comma_separated_from_the_environment(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("BROKER_ADAPTER_EGRESS_POOL", "mumbai-a")
    monkeypatch.setenv("BROKER_ADAPTER_EGRESS_POOLS", "default, mumbai-a")
    assert BrokerAdapterSettings().egress == MUMBAI


def test_settings_pool_not_among_deployed_pools_is_refused_naming_the_field() -> None:
    with pytest.raises(ValidationError, match="egress_pools must list this adapter's pool"):
        settings(egress_pool="mumbai-a", egress_pools="default")


def test_settings_pools_without_default_is_refused() -> None:
    # clients with no pool would have no adapter
    with pytest.raises(ValidationError, match="'default'"):
        settings(egress_pool="mumbai-a", egress_pools="mumbai-a")


def test_settings_pools_listed_but_no_pool_of_its_own_is_refused() -> None:
    # an adapter serving every client beside pools would run the pools' commands too
    with pytest.raises(ValidationError, match="egress_pool is unset"):
        settings(egress_pools="default,mumbai-a")


def test_settings_pool_name_must_be_a_gateway_pool_name() -> None:
    with pytest.raises(ValidationError) as error:
        settings(egress_pool="Mumbai A", egress_pools="default,Mumbai A")
    assert error.value.errors()[0]["loc"] == ("egress_pool",)
