"""Which clients this replica's live book holds (pure, no I/O).

Fills reach the portfolio on orders.events.v1, keyed by client id, and each partition is
read by one replica of the `portfolio` group. That replica alone applies the client's fills,
so it alone keeps the client's open positions and realized P&L in memory, marks them and
publishes the client's P&L. A client's partition is the one its producers pick
(`common.assignment.partition_of`), so the owner of a client is known from its id, the
topic's partition count and the replica's assignment.
"""

from collections.abc import Iterable
from dataclasses import dataclass

from common.assignment import Assigned, partition_of


@dataclass
class Ownership:
    """The assignment the live book holds the clients of (None: none followed yet)."""

    held: Assigned | None = None

    @property
    def followed(self) -> bool:
        return self.held is not None

    def owns(self, client_id: str) -> bool:
        return self.held is not None and self.held.owns(client_id)

    def gained(self, assigned: Assigned) -> frozenset[int] | None:
        """The partitions whose clients must be loaded to follow `assigned` (None: nothing
        changes). A new partition count deals every client out afresh: all are loaded."""
        held = self.held
        if held == assigned:
            return None
        if held is None or held.count != assigned.count:
            return assigned.partitions
        return assigned.partitions - held.partitions

    def take(self, assigned: Assigned) -> None:
        self.held = assigned


def among(clients: Iterable[str], assigned: Assigned, partitions: frozenset[int]) -> list[str]:
    """Those of `clients` whose events go to one of `partitions` (of `assigned`'s count)."""
    if not partitions:
        return []
    return sorted(c for c in clients if partition_of(c, assigned.count) in partitions)
