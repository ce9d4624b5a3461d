"""Who may write and read each Kafka topic: one Kafka user per service, and its ACLs.

The topic table of the design says who writes each topic; the consumers say who reads it.
Kubernetes (Strimzi KafkaUser resources, infra/k8s/kafka-users.yaml) and docker-compose
(infra/kafka/setup.sh) are generated from this table (`python -m stack k8s`), and a unit
test checks it against every `publish` and `consume` in the services' code, so a service
can do what its code does and nothing more:

- only the gateway writes `accounts.clients.v1`; operators' requests on
  `orders.requests.v1` come from the gateway, and the order-router's own risk automation
  (MTM exits, square-off, flatten) adds its exit requests there too;
- only the order-router writes `orders.commands.v1` and `orders.updates.v1`;
- any service may raise an operator alert on `alerts.v1` (the design's "any");
- the broker-adapter and the order-router write `orders.events.v1`;
- the broker-adapter alone writes the account topics (sessions, margins, positions);
- market-data alone writes `marketdata.quotes.v1`, the portfolio `portfolio.updates.v1`.

Each reader may also write its topic's dead-letter topic, commit offsets in consumer
groups named after itself (a prefix: `gateway-live-...`, `broker-adapter-registry`), and
describe every platform topic (so its start-up check finds them; it creates none).
"""

from dataclasses import dataclass

from common.topics import ALL_TOPICS

ANYONE_WRITES = ("alerts.v1",)
"""Topics every service may write (alerts: what an operator must see, from wherever)."""


@dataclass(frozen=True)
class Acl:
    """One ACL: `operations` allowed on a topic or consumer group, by literal name or prefix."""

    resource: str  # "topic" or "group"
    name: str
    pattern: str  # "literal" or "prefix"
    operations: tuple[str, ...]


@dataclass(frozen=True)
class ServiceAccess:
    service: str
    own_writes: tuple[str, ...]
    reads: tuple[str, ...]

    @property
    def writes(self) -> tuple[str, ...]:
        """The topics it may write: its own and those anyone may write."""
        return self.own_writes + tuple(t for t in ANYONE_WRITES if t not in self.own_writes)

    @property
    def user(self) -> str:
        """The service's Kafka user name (KAFKA_USERNAME)."""
        return self.service

    def acls(self) -> list[Acl]:
        acls = [Acl("topic", name, "literal", ("Write", "Describe")) for name in self.writes]
        for name in self.reads:
            acls.append(Acl("topic", name, "literal", ("Read", "Describe")))
            acls.append(Acl("topic", f"{name}.dlq", "literal", ("Write", "Describe")))
        named = set(self.writes) | set(self.reads) | {f"{n}.dlq" for n in self.reads}
        for topic in ALL_TOPICS:
            for name in (topic.name, topic.dlq):
                if name not in named:
                    acls.append(Acl("topic", name, "literal", ("Describe",)))
        acls.append(Acl("group", self.service, "prefix", ("Read",)))
        return acls


ACCESS: tuple[ServiceAccess, ...] = (
    ServiceAccess(
        "gateway",
        own_writes=("orders.requests.v1", "accounts.clients.v1"),
        reads=(
            "orders.updates.v1",
            "marketdata.quotes.v1",
            "portfolio.updates.v1",
            "accounts.sessions.v1",
            "alerts.v1",
        ),
    ),
    ServiceAccess(
        "order-router",
        own_writes=(
            "orders.commands.v1",
            "orders.events.v1",
            "orders.updates.v1",
            "orders.requests.v1",
        ),
        reads=(
            "orders.requests.v1",
            "orders.events.v1",
            "accounts.clients.v1",
            "accounts.sessions.v1",
            "accounts.margins.v1",
            "portfolio.updates.v1",
        ),
    ),
    ServiceAccess(
        "broker-adapter",
        own_writes=(
            "orders.events.v1",
            "accounts.sessions.v1",
            "accounts.margins.v1",
            "accounts.positions.v1",
        ),
        reads=("orders.commands.v1", "accounts.clients.v1"),
    ),
    ServiceAccess(
        "portfolio",
        own_writes=("portfolio.updates.v1",),
        reads=(
            "orders.events.v1",
            "marketdata.quotes.v1",
            "accounts.margins.v1",
            "accounts.positions.v1",
        ),
    ),
    ServiceAccess(
        "market-data",
        own_writes=("marketdata.quotes.v1",),
        reads=("orders.events.v1", "portfolio.updates.v1"),
    ),
)


def writers_of(topic: str) -> set[str]:
    return {a.service for a in ACCESS if topic in a.writes}


def access_of(service: str) -> ServiceAccess:
    for access in ACCESS:
        if access.service == service:
            return access
    raise KeyError(f"no Kafka access defined for service {service!r}")
