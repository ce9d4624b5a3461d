"""Which Motilal a process talks to, and the settings it refuses outside development mode."""

import pytest
from motilal.config import MotilalSettings, require_startable, startup_problems
from pydantic import ValidationError


@pytest.fixture(autouse=True)
def _clean_environment(monkeypatch: pytest.MonkeyPatch) -> None:
    for name in ("ENVIRONMENT", "BASE_URL", "FEED_URL", "ORDER_STREAM_URL", "ALLOW_SIMULATOR",
                 "CLIENT_PUBLIC_IP"):  # fmt: skip
        monkeypatch.delenv(f"MOTILAL_{name}", raising=False)


def test_live_uses_the_sdk_feed_host_and_the_rest_host_for_the_order_stream() -> None:
    hosts = MotilalSettings(environment="live").hosts
    assert hosts.rest == "https://openapi.motilaloswal.com"
    assert hosts.feed == "wss://ws1feed.motilaloswal.com/jwebsocket/jwebsocket"
    assert hosts.order_stream == "wss://openapi.motilaloswal.com/ws"


def test_a_live_base_url_alone_means_live_not_the_simulator(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    monkeypatch.setenv("MOTILAL_BASE_URL", "https://openapi.motilaloswal.com/")
    settings = MotilalSettings()
    assert settings.environment == "live"
    assert settings.hosts.feed == "wss://ws1feed.motilaloswal.com/jwebsocket/jwebsocket"
    assert settings.hosts.order_stream == "wss://openapi.motilaloswal.com/ws"


def test_the_uat_host_of_the_docs_keeps_its_own_order_stream() -> None:
    settings = MotilalSettings(base_url="https://uatopenapi.motilaloswal.com")
    assert settings.environment == "uat"
    assert settings.hosts.order_stream == "wss://uatopenapi.motilaloswal.com/ws"
    assert settings.hosts.feed == "wss://ws1feed.motilaloswal.com/jwebsocket/jwebsocket"


def test_a_base_url_that_contradicts_the_environment_is_refused_by_name() -> None:
    with pytest.raises(ValidationError, match="MOTILAL_ENVIRONMENT=live"):
        MotilalSettings(environment="live", base_url="https://openapi.motilaloswaluat.com")


def test_a_proxy_in_front_of_live_keeps_live_feed_and_stream() -> None:
    hosts = MotilalSettings(environment="live", base_url="https://mo-proxy.internal:8443").hosts
    assert hosts.rest == "https://mo-proxy.internal:8443"
    assert hosts.feed == "wss://ws1feed.motilaloswal.com/jwebsocket/jwebsocket"
    assert hosts.order_stream == "wss://openapi.motilaloswal.com/ws"


def test_a_simulator_on_another_port_serves_feed_and_stream_there() -> None:
    hosts = MotilalSettings(base_url="http://127.0.0.1:9123").hosts
    assert hosts.feed == "ws://127.0.0.1:9123/jwebsocket/jwebsocket"
    assert hosts.order_stream == "ws://127.0.0.1:9123/ws"


def test_explicit_feed_and_stream_urls_win() -> None:
    hosts = MotilalSettings(
        environment="uat", feed_url="wss://ws1feeduat.motilaloswal.com/jwebsocket/jwebsocket",
        order_stream_url="wss://openapi.motilaloswaluat.com/ws",
    ).hosts  # fmt: skip
    assert hosts.feed == "wss://ws1feeduat.motilaloswal.com/jwebsocket/jwebsocket"


def test_development_mode_may_use_the_simulator_and_a_loopback_ip() -> None:
    assert startup_problems(MotilalSettings(), dev_mode=True) == []


def test_outside_development_mode_the_simulator_needs_an_explicit_yes(
    monkeypatch: pytest.MonkeyPatch,
) -> None:
    with pytest.raises(SystemExit, match=r"market-data cannot start: .*MOTILAL_ALLOW_SIMULATOR"):
        require_startable("market-data", MotilalSettings(), dev_mode=False)
    monkeypatch.setenv("MOTILAL_ALLOW_SIMULATOR", "true")
    assert startup_problems(MotilalSettings(), dev_mode=False) == []


@pytest.mark.parametrize("address", ["127.0.0.1", "0.0.0.0", "::1", "10.1.2.3", "localhost"])
def test_live_refuses_a_public_ip_that_is_not_public(address: str) -> None:
    settings = MotilalSettings(environment="live", client_public_ip=address)
    [problem] = startup_problems(settings, dev_mode=False)
    assert problem.startswith(f"MOTILAL_CLIENT_PUBLIC_IP={address}")


def test_live_with_a_public_ip_may_start() -> None:
    settings = MotilalSettings(environment="live", client_public_ip="49.36.10.20")
    assert startup_problems(settings, dev_mode=False) == []
