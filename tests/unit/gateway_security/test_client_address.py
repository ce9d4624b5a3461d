"""Which address the sign-in throttle counts: X-Forwarded-For only through trusted proxies."""

import pytest
from gateway.auth.client_address import UNKNOWN, client_address, networks

PROXIES = networks(["10.0.0.0/8", "192.168.1.5"])


def test_client_address_direct_peer_ignores_forwarded_for() -> None:
    assert client_address("203.0.113.7", "198.51.100.1", PROXIES) == "203.0.113.7"


def test_client_address_no_trusted_proxies_ignores_forwarded_for() -> None:
    assert client_address("10.1.2.3", "198.51.100.1", []) == "10.1.2.3"


def test_client_address_trusted_proxy_gives_last_untrusted_hop() -> None:
    # The client wrote "1.1.1.1" itself; the proxy appended the address it really saw.
    header = "1.1.1.1, 198.51.100.1, 10.9.9.9"
    assert client_address("192.168.1.5", header, PROXIES) == "198.51.100.1"


def test_client_address_trusted_proxy_without_header_is_the_peer() -> None:
    assert client_address("10.0.0.2", None, PROXIES) == "10.0.0.2"


def test_client_address_all_hops_trusted_gives_the_first() -> None:
    assert client_address("10.0.0.2", "10.0.0.9, 10.0.0.3", PROXIES) == "10.0.0.9"


def test_client_address_no_peer_is_unknown() -> None:
    assert client_address(None, "198.51.100.1", PROXIES) == UNKNOWN


def test_networks_bad_entry_names_it() -> None:
    with pytest.raises(ValueError, match="nope"):
        networks(["10.0.0.0/8", "nope"])
