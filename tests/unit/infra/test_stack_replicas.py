"""The stack launcher's replica counts: parsed and checked, named and given ports."""

import pytest
from stack.config import StackSettings
from stack.platform import SERVICES, Platform
from stack.replicas import BadReplicas, parse_replicas, replica_name, replica_names, split_name

NAMES = [s.name for s in SERVICES]


def test_parse_replicas_reads_counts_per_service() -> None:
    text = "order-router=2, broker-adapter=3,portfolio=1"
    assert parse_replicas(text, NAMES) == {
        "order-router": 2,
        "broker-adapter": 3,
        "portfolio": 1,
    }
    assert parse_replicas("", NAMES) == {}


@pytest.mark.parametrize(
    ("text", "words"),
    [
        ("router=2", "a service among"),
        ("order-router", "expected <service>=<count>"),
        ("order-router=two", "whole number"),
        ("order-router=0", "at least 1"),
    ],
)
def test_parse_replicas_bad_text_names_the_part_and_the_rule(text: str, words: str) -> None:
    with pytest.raises(BadReplicas, match=words):
        parse_replicas(text, NAMES)


def test_replica_names_first_is_the_service_the_rest_numbered() -> None:
    assert replica_names("portfolio", {"portfolio": 3}) == [
        "portfolio",
        "portfolio-2",
        "portfolio-3",
    ]
    assert replica_names("gateway", {}) == ["gateway"]
    assert split_name("order-router-2", NAMES) == ("order-router", 2)
    assert split_name("order-router", NAMES) == ("order-router", 1)
    with pytest.raises(KeyError):
        split_name("order-router-x", NAMES)
    assert replica_name("order-router", 1) == "order-router"


def test_platform_gives_each_replica_its_own_port_and_the_same_environment(
    tmp_path: object,
) -> None:
    settings = StackSettings(STATE_DIR=tmp_path, STACK_REPLICAS="order-router=2")  # type: ignore[arg-type]
    platform = Platform(settings)
    router = next(s for s in SERVICES if s.name == "order-router")
    assert platform.replicas == {"order-router": 2}
    first, second = platform.replica_port(router, 1), platform.replica_port(router, 2)
    assert first == settings.order_router_port and second == first + 10
    assert platform.service_url(router, 2).endswith(f":{second}")
    platform.replica_ports["order-router-2"] = 45678
    assert platform.replica_port(router, 2) == 45678
