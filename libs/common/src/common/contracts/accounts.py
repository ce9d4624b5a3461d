"""Client accounts and what the broker says about them.

- `accounts.clients.v1` (compacted, key client_id, or `dealer:<dealer_id>` for a dealer):
  the client registry, written by the gateway. Credentials travel sealed to the
  broker-adapter's public key: no other service holds a key that opens them. A client has
  its own credentials, or names a dealer (DealerUpserted) whose one login acts for it.
- `accounts.sessions.v1` (compacted, key client_id): each client's broker session state,
  written by the broker-adapter. Never carries a token.
- `accounts.margins.v1` (compacted, key client_id): raw margin report rows from the broker.
- `accounts.positions.v1` (key client_id): the broker's own positions, for reconciliation.
"""

import json
from typing import Annotated, Literal

from pydantic import Field

from common.contracts.envelope import Contract, Message, Money, UtcDateTime
from common.enums import Exchange, SessionState, TradeType


class RiskLimits(Contract):
    """Per-client pre-trade limits. None means no limit of that kind."""

    max_order_quantity: int | None = Field(default=None, gt=0, description="shares per order")
    max_order_value: Money | None = Field(default=None, gt=0, description="rupees per order")
    max_open_positions: int | None = Field(default=None, gt=0)


class ClientNetwork(Contract):
    """Where a client's calls to Motilal come from (NSE binds an API key to a static IP,
    shared only within a family). None on a client: the deployment's default identity."""

    public_ip: str = Field(description="static public IP registered on Motilal's API portal")
    local_ip: str = Field(description="address on the adapter's host the calls leave from")
    mac_address: str
    family: str | None = Field(
        default=None, description="label of the family of clients sharing this static IP"
    )
    egress_pool: str | None = Field(
        default=None,
        description="the adapter Deployment (BROKER_ADAPTER_EGRESS_POOL) whose pods own local_ip; "
        "None: the default pool",
    )


class ClientUpserted(Message):
    """A client account as the registry holds it now (the latest one per key wins)."""

    type: Literal["client.upserted"] = "client.upserted"
    client_id: str
    motilal_client_id: str
    name: str
    active: bool
    exchanges: tuple[Exchange, ...]
    trade_types: tuple[TradeType, ...]
    limits: RiskLimits
    groups: tuple[str, ...] = ()
    sealed_credentials: str | None = Field(
        default=None, description="base64 sealed box; only the broker-adapter can open it"
    )
    dealer_id: str | None = Field(
        default=None,
        description="the dealer (DealerUpserted.dealer_id) whose session reaches this client, "
        "sending its motilal_client_id as `clientcode`; None: the client logs in itself",
    )
    network_identity: ClientNetwork | None = Field(
        default=None,
        description="the client's own public IP, local IP and MAC for its Motilal calls; "
        "None: the deployment's default",
    )
    signature: str | None = Field(
        default=None,
        description="base64 Ed25519 signature by the gateway over `signed_bytes()`: binds "
        "the sealed credentials and the account to this client id (the adapter refuses a "
        "message without a valid one)",
    )

    def signed_bytes(self) -> bytes:
        """What the gateway signs: every field the broker-adapter acts on, with the client id.

        The sealed box is made with the adapter's public key, which anyone may hold; the
        signature is what shows the gateway wrote it for this client and no other. Limits
        and groups are the order-router's and are not covered.
        """
        fields = [
            "accounts.clients.v1/client.upserted",
            self.event_id,
            self.occurred_at.isoformat(),
            self.client_id,
            self.motilal_client_id,
            self.name,
            self.active,
            [e.value for e in self.exchanges],
            [t.value for t in self.trade_types],
            self.sealed_credentials,
        ]
        if self.dealer_id is not None:  # absent before dealers: older signatures still verify
            fields.append(["dealer", self.dealer_id])
        if self.network_identity is not None:  # where its calls leave from is signed too
            fields.append(["network", self.network_identity.model_dump(mode="json")])
        return json.dumps(fields, separators=(",", ":")).encode()


def dealer_key(dealer_id: str) -> str:
    """How a dealer is named where clients are: its key on accounts.clients.v1 and the
    `client_id` of its own session on accounts.sessions.v1."""
    return f"dealer:{dealer_id}"


def dealer_of_key(key: str) -> str | None:
    """The dealer id when `key` is a dealer_key, else None (a client id)."""
    dealer = key.removeprefix(dealer_key(""))
    return dealer if dealer != key else None


class DealerUpserted(Message):
    """A Motilal dealer as the registry holds it now: one login with the dealer's own
    credentials, acting for every client that names it (`clientcode` in each call)."""

    type: Literal["dealer.upserted"] = "dealer.upserted"
    dealer_id: str
    motilal_client_id: str = Field(description="the dealer's own Motilal login id")
    name: str
    active: bool = True
    sealed_credentials: str | None = Field(
        default=None, description="base64 sealed box; only the broker-adapter can open it"
    )
    signature: str | None = Field(
        default=None, description="base64 Ed25519 signature by the gateway over `signed_bytes()`"
    )

    def signed_bytes(self) -> bytes:
        """What the gateway signs: the dealer id bound to its account and sealed box."""
        fields = [
            "accounts.clients.v1/dealer.upserted",
            self.event_id,
            self.occurred_at.isoformat(),
            self.dealer_id,
            self.motilal_client_id,
            self.name,
            self.active,
            self.sealed_credentials,
        ]
        return json.dumps(fields, separators=(",", ":")).encode()


class SessionChanged(Message):
    type: Literal["session.changed"] = "session.changed"
    client_id: str
    state: SessionState
    error_code: str | None = None
    reason: str | None = Field(default=None, description="why the last login failed, in words")
    expires_at: UtcDateTime | None = None


class MarginRow(Contract):
    """One row of Motilal's margin summary or detail report (srno values repeat)."""

    srno: int
    particulars: str
    amount: Money


class MarginSnapshot(Message):
    type: Literal["margin.snapshot"] = "margin.snapshot"
    client_id: str
    report: Literal["summary", "detail"]
    rows: tuple[MarginRow, ...]
    taken_at: UtcDateTime


class BrokerPosition(Contract):
    """One row of the broker's position book, quantities in shares, money in rupees."""

    token: int
    exchange: Exchange
    product: str = Field(description="Motilal's product name, e.g. VALUEPLUS, DELIVERY")
    buy_quantity: int
    sell_quantity: int
    buy_amount: Money
    sell_amount: Money
    last_price: Money | None = None
    mtm: Money | None = None
    booked_pnl: Money | None = None


class BrokerPositionsSnapshot(Message):
    type: Literal["positions.snapshot"] = "positions.snapshot"
    client_id: str
    positions: tuple[BrokerPosition, ...]
    taken_at: UtcDateTime


ClientRegistryEvent = Annotated[ClientUpserted | DealerUpserted, Field(discriminator="type")]
SessionEvent = Annotated[SessionChanged, Field(discriminator="type")]
MarginEvent = Annotated[MarginSnapshot, Field(discriminator="type")]
BrokerPositionsEvent = Annotated[BrokerPositionsSnapshot, Field(discriminator="type")]
