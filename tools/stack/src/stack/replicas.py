"""Replicas: several processes of one service, each on its own port, one consumer group.

`python -m stack run --replicas order-router=2,broker-adapter=2` (or STACK_REPLICAS) runs
that many processes of each named service. The first keeps the service's name and port
(peers call it); replica n is named `<service>-<n>` and listens on the service's port +
10 x (n - 1) unless told otherwise (tests give free ports). Every replica gets the same
environment but its own port, so they join the same Kafka consumer groups and share the
partitions (README: Replicas: how they share the work).
"""

from collections.abc import Iterable, Mapping

PORT_STEP = 10
"""Replica n of a service listens on its port + PORT_STEP x (n - 1) by default."""


class BadReplicas(ValueError):
    pass


def parse_replicas(text: str, services: Iterable[str]) -> dict[str, int]:
    """`order-router=2,portfolio=3` -> {"order-router": 2, "portfolio": 3}, checked."""
    known = list(services)
    counts: dict[str, int] = {}
    for part in (p.strip() for p in text.split(",")):
        if not part:
            continue
        name, sep, count = part.partition("=")
        name = name.strip()
        if not sep or name not in known:
            raise BadReplicas(
                f"replicas {part!r}: expected <service>=<count> with a service among "
                f"{', '.join(known)}"
            )
        try:
            counts[name] = int(count)
        except ValueError:
            raise BadReplicas(f"replicas {part!r}: the count must be a whole number") from None
        if counts[name] < 1:
            raise BadReplicas(f"replicas {part!r}: the count must be at least 1")
    return counts


def replica_name(service: str, index: int) -> str:
    """The process name of replica `index` (1-based) of `service`."""
    return service if index == 1 else f"{service}-{index}"


def replica_names(service: str, replicas: Mapping[str, int]) -> list[str]:
    return [replica_name(service, i) for i in range(1, replicas.get(service, 1) + 1)]


def split_name(name: str, services: Iterable[str]) -> tuple[str, int]:
    """`order-router-2` -> ("order-router", 2); a service's own name is replica 1."""
    known = set(services)
    if name in known:
        return name, 1
    service, _, index = name.rpartition("-")
    if service in known and index.isdigit() and int(index) >= 2:
        return service, int(index)
    raise KeyError(f"no service or replica named {name!r}")
