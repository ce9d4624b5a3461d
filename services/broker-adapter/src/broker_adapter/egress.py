"""Egress pools: which clients this broker-adapter serves. The one home of that rule.

NSE binds a client's API key to its registered static IP, so a client's calls must leave
from the pods that own its `local_ip` (README "Pinning adapter replicas to egress IPs").
Each pool is one adapter Deployment started with BROKER_ADAPTER_EGRESS_POOL=<pool>; a
client belongs to the pool its identity names (`network_identity.egress_pool`), else to
DEFAULT_POOL. A client reached through a dealer calls with the dealer's session, and a
dealer has no identity of its own yet: such a client is the default pool's whatever its
own identity says.

What each adapter does with a client (`EgressPools.verdict`):
- SERVE: its pool is this adapter's, or the adapter has no pool (one Deployment serves
  every client, the behaviour before pools);
- REFUSE: only the default pool, for a client naming a pool no Deployment runs (not in
  BROKER_ADAPTER_EGRESS_POOLS): it takes the client's commands and rejects them with the
  reason, rather than let them vanish or leave from an address Motilal would refuse;
- SKIP: another pool's client. Its commands, logins and order reads are that pool's.

Every pool reads every command (its own consumer group) and exactly one acts on each.
Pure, no I/O: callers read a client's identity and ask.
"""

import uuid
from collections.abc import Iterable
from dataclasses import dataclass
from enum import StrEnum
from typing import Protocol

from common.contracts.accounts import ClientNetwork

DEFAULT_POOL = "default"
"""The pool of a client with no `egress_pool` (the plain broker-adapter Deployment)."""


class Verdict(StrEnum):
    SERVE = "serve"
    REFUSE = "refuse"
    SKIP = "skip"


class Registered(Protocol):
    """What decides a client's pool: a ClientUpserted or the adapter's Account row."""

    @property
    def network_identity(self) -> ClientNetwork | None: ...

    @property
    def dealer_id(self) -> str | None: ...


def pool_of(network_identity: ClientNetwork | None, dealer_id: str | None) -> str:
    """A client's pool: the one its identity names; the default without one, or when a
    dealer's session (no identity) makes its calls."""
    if dealer_id is not None or network_identity is None:
        return DEFAULT_POOL
    return network_identity.egress_pool or DEFAULT_POOL


def pool_of_registered(client: Registered | None) -> str:
    """The pool of a registry entry; a client the registry does not know (yet) and a
    dealer are the default pool's."""
    if client is None:
        return DEFAULT_POOL
    return pool_of(client.network_identity, client.dealer_id)


@dataclass(frozen=True)
class EgressPools:
    """This adapter's pool (`mine`) among those deployed; `mine=None` serves every client."""

    mine: str | None = None
    deployed: frozenset[str] = frozenset()

    @classmethod
    def of(cls, mine: str | None, deployed: Iterable[str]) -> "EgressPools":
        return cls(mine, frozenset(deployed))

    @property
    def every_client(self) -> bool:
        return self.mine is None

    def verdict(self, pool: str) -> Verdict:
        if self.mine is None or pool == self.mine:
            return Verdict.SERVE
        if self.mine == DEFAULT_POOL and pool not in self.deployed:
            return Verdict.REFUSE
        return Verdict.SKIP

    def serves(self, pool: str) -> bool:
        """True when this adapter calls Motilal for the client (logs it in, follows it)."""
        return self.verdict(pool) is Verdict.SERVE

    def answers_for(self, pool: str) -> bool:
        """True when this adapter takes the client's commands (to run or to refuse)."""
        return self.verdict(pool) is not Verdict.SKIP

    def why_not(self, client_id: str, pool: str) -> str | None:
        """Why this adapter must not call Motilal for the client; None when it may."""
        verdict = self.verdict(pool)
        if verdict is Verdict.SERVE:
            return None
        if verdict is Verdict.REFUSE:
            deployed = ", ".join(sorted(self.deployed))
            return (
                f"client {client_id} names egress pool {pool!r}, which no broker-adapter "
                f"runs (BROKER_ADAPTER_EGRESS_POOLS: {deployed}): deploy that pool or "
                "correct the client's network_identity.egress_pool"
            )
        return f"client {client_id} is served by egress pool {pool!r}, not {self.mine!r}"

    def scoped(self, name: str) -> str:
        """A consumer group or Redis key of this pool's own: every pool reads every
        command and registry message, and runs its own daily re-login."""
        return name if self.mine is None else f"{name}.{self.mine}"

    def inbox_owner(self) -> str:
        """This process's name on the command inbox's leases: `<pool>/<random>`. Replicas
        claim a dead replica's rows only within their pool (store_inbox.renew_and_claim
        compares the part before the slash), so a pool never runs another's commands."""
        return f"{self.mine or ''}/{uuid.uuid4().hex}"
