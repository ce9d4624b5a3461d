"""The client registry's rules: create, update, disable, publish.

Every change is one transaction: the row is locked, written, audited, and the resulting
`ClientUpserted` is published to `accounts.clients.v1` before the commit, so the topic
never lacks a committed change (a failed publish rolls the change back) and changes to one
client reach the topic in the order they were made.
"""

import logging
from dataclasses import dataclass, replace

import asyncpg
from common.contracts.accounts import ClientUpserted, DealerUpserted
from common.enums import Exchange, TradeType
from common.ids import new_id
from common.kafka import Publisher
from common.logs import bound, correlation_id
from common.topics import CLIENTS
from nacl.public import PublicKey
from nacl.signing import SigningKey

from gateway import audit
from gateway.auth.deps import CurrentUser
from gateway.clients import store_clients, store_dealers
from gateway.clients.models import ClientCreate, ClientUpdate, DealerCreate
from gateway.clients.network import IdentityRule
from gateway.clients.signing import signed
from gateway.clients.store_clients import ClientRecord, ClientRow
from gateway.clients.store_dealers import DealerRow
from gateway.credentials import seal

log = logging.getLogger(__name__)


class FieldErrors(Exception):
    """The request is invalid; each item is (field, reason)."""

    def __init__(self, errors: list[tuple[str, str]]) -> None:
        super().__init__("; ".join(f"{f}: {r}" for f, r in errors))
        self.errors = errors


class Conflict(Exception):
    """The request clashes with an existing client (409)."""


class ClientNotFound(Exception):
    def __init__(self, client_id: str) -> None:
        super().__init__(f"no client with id {client_id!r}")


@dataclass(frozen=True)
class Registry:
    pool: asyncpg.Pool
    publisher: Publisher
    public_key: PublicKey | None
    signing_key: SigningKey | None = None
    """Signs every ClientUpserted (clients.signing); None only in dev mode."""
    identity_rule: IdentityRule | None = None
    """Refuses identities Motilal would refuse (clients.network); None: no check."""

    def _check_identity(self, body: ClientCreate | ClientUpdate) -> None:
        if self.identity_rule is None:
            return
        refusals = self.identity_rule.refusals(body.network_identity)
        if refusals:
            raise FieldErrors(refusals)

    def _seal_key(self) -> PublicKey:
        if self.public_key is None:
            raise FieldErrors(
                [("password", "credentials cannot be stored: GATEWAY_CREDENTIALS_PUBLIC_KEY "
                  "is not configured on the gateway")]
            )  # fmt: skip
        return self.public_key

    async def create(self, user: CurrentUser, body: ClientCreate) -> ClientRecord:
        self._check_identity(body)
        if body.dealer_id is not None:
            return await self._create(user, body, None, [])
        missing = body.missing_credentials()
        if missing:
            raise FieldErrors(
                [(name, "required to log in to Motilal" + (" (or give pan)" if name == "dob"
                  else "") + ", unless the client is reached through a dealer (dealer_id)")
                 for name in missing]
            )  # fmt: skip
        credentials = body.credentials()
        assert credentials is not None
        sealed = seal(credentials, self._seal_key())
        return await self._create(
            user, body, sealed, sorted(n for n, ok in credentials.present().items() if ok)
        )

    async def _create(
        self, user: CurrentUser, body: ClientCreate, sealed: str | None, fields: list[str]
    ) -> ClientRecord:
        """Either sealed credentials of its own, or a dealer that reaches it (checked here)."""
        if body.dealer_id is not None and body.credentials_given():
            raise FieldErrors(
                [(name, f"a client reached through dealer {body.dealer_id} logs in with the "
                  "dealer's credentials: give either dealer_id or credentials, not both")
                 for name in body.credentials_given()]
            )  # fmt: skip
        client_id = body.client_id or body.motilal_client_id
        row = ClientRow(
            client_id=client_id,
            motilal_client_id=body.motilal_client_id,
            name=body.name.strip(),
            active=body.active,
            exchanges=[e.value for e in body.exchanges],
            trade_types=[t.value for t in body.trade_types],
            limits=body.limits.contract(),
            groups=body.groups,
            sealed_credentials=sealed,
            credential_fields=fields,
            dealer_id=body.dealer_id,
            network_identity=None if body.network_identity is None
            else body.network_identity.contract(),
        )  # fmt: skip
        with bound(client_id=client_id):
            async with self.pool.acquire() as conn, conn.transaction():
                if body.dealer_id is not None and not await store_dealers.dealer_exists(
                    conn, body.dealer_id
                ):
                    raise FieldErrors(
                        [("dealer_id", f"no dealer {body.dealer_id!r} is registered: an admin "
                          "registers it first (POST /api/v1/dealers)")]
                    )  # fmt: skip
                if not await store_clients.insert_client(conn, row):
                    owner = await store_clients.motilal_id_owner(conn, row.motilal_client_id)
                    if owner is not None:
                        raise Conflict(
                            f"Motilal client {row.motilal_client_id} is already registered "
                            f"as client {owner}"
                        )
                    raise Conflict(f"client id {client_id} is already taken")
                await audit.record(conn, user, "client.create", client_id, _summary(body))
                await self._publish(row, user)
            log.info("client %s registered by %s", client_id, user.username)
        return await self._get(client_id)

    async def update(self, user: CurrentUser, client_id: str, body: ClientUpdate) -> ClientRecord:
        if "network_identity" in body.model_fields_set:
            self._check_identity(body)
        credentials_given = bool(body.credentials_given())
        if credentials_given and body.dealer_id is not None:
            raise FieldErrors(
                [(name, "give either dealer_id (the client is reached through that dealer) or "
                  "its own credentials, not both") for name in body.credentials_given()]
            )  # fmt: skip
        if credentials_given and body.missing_credentials():
            raise FieldErrors(
                [(name, "credentials are replaced as a whole (the stored ones are sealed and "
                  "cannot be read back to merge one field): give api_key, password and dob "
                  "or pan together") for name in body.missing_credentials()]
            )  # fmt: skip
        with bound(client_id=client_id):
            async with self.pool.acquire() as conn, conn.transaction():
                current = await store_clients.lock_client(conn, client_id)
                if current is None:
                    raise ClientNotFound(client_id)
                if body.motilal_client_id and body.motilal_client_id != current.motilal_client_id:
                    raise FieldErrors(
                        [("motilal_client_id", f"client {client_id} is Motilal client "
                          f"{current.motilal_client_id}; register another client instead")]
                    )  # fmt: skip
                updated = _merge(current, body)
                if body.dealer_id is not None:  # its own credentials are dropped
                    if not await store_dealers.dealer_exists(conn, body.dealer_id):
                        raise FieldErrors(
                            [("dealer_id", f"no dealer {body.dealer_id!r} is registered")]
                        )
                    updated = replace(
                        updated,
                        dealer_id=body.dealer_id,
                        sealed_credentials=None,
                        credential_fields=[],
                    )
                elif credentials_given:  # its own login from now on (no dealer)
                    credentials = body.credentials()
                    assert credentials is not None
                    updated = replace(
                        updated,
                        sealed_credentials=seal(credentials, self._seal_key()),
                        credential_fields=sorted(
                            n for n, ok in credentials.present().items() if ok
                        ),
                        dealer_id=None,
                    )
                await store_clients.update_client(
                    conn,
                    updated,
                    credentials_changed=credentials_given or body.dealer_id is not None,
                )
                await audit.record(conn, user, "client.update", client_id, _summary(body))
                await self._publish(updated, user)
            log.info("client %s updated by %s", client_id, user.username)
        return await self._get(client_id)

    async def set_active(self, user: CurrentUser, client_id: str, active: bool) -> ClientRecord:
        return await self.update(user, client_id, ClientUpdate(active=active))

    async def republish_all(self) -> int:
        """Publish every dealer and client again (the topic may have been lost, e.g. an
        in-memory broker); dealers first, so a client never names a dealer not yet known."""
        for dealer in await store_dealers.all_dealers(self.pool):
            await self._publish_dealer(dealer, "gateway")
        rows = await store_clients.all_rows(self.pool)
        for row in rows:
            await self._publish(row, "gateway")
        return len(rows)

    async def register_dealer(self, user: CurrentUser, body: DealerCreate) -> DealerRow:
        """A dealer with its own full credentials, sealed like a client's."""
        missing = body.missing_credentials()
        if missing:
            raise FieldErrors(
                [(name, "required for the dealer's own login to Motilal"
                  + (" (or give pan)" if name == "dob" else "")) for name in missing]
            )  # fmt: skip
        credentials = body.credentials()
        assert credentials is not None
        row = DealerRow(
            dealer_id=body.dealer_id,
            motilal_client_id=body.motilal_client_id,
            name=body.name.strip(),
            active=True,
            sealed_credentials=seal(credentials, self._seal_key()),
            credential_fields=sorted(n for n, ok in credentials.present().items() if ok),
        )
        async with self.pool.acquire() as conn, conn.transaction():
            if not await store_dealers.insert_dealer(conn, row):
                raise Conflict(
                    f"dealer id {row.dealer_id} or Motilal login {row.motilal_client_id} "
                    "is already registered"
                )
            summary = {"dealer_id": row.dealer_id, "motilal_client_id": row.motilal_client_id,
                       "name": row.name, "credentials": list(row.credential_fields)}  # fmt: skip
            await audit.record(conn, user, "dealer.create", row.dealer_id, summary)
            await self._publish_dealer(row, user)
        log.info("dealer %s registered by %s", row.dealer_id, user.username)
        return row

    async def _publish_dealer(self, row: DealerRow, actor: CurrentUser | str) -> None:
        message = DealerUpserted(
            **_origin(actor),
            dealer_id=row.dealer_id,
            motilal_client_id=row.motilal_client_id,
            name=row.name,
            active=row.active,
            sealed_credentials=row.sealed_credentials,
        )
        await self.publisher.publish(CLIENTS, signed(message, self.signing_key))

    async def _publish(self, row: ClientRow, actor: CurrentUser | str) -> None:
        await self.publisher.publish(CLIENTS, signed(upserted(row, actor), self.signing_key))

    async def _get(self, client_id: str) -> ClientRecord:
        record = await store_clients.get_client(self.pool, client_id)
        if record is None:
            raise ClientNotFound(client_id)
        return record


def _origin(actor: CurrentUser | str) -> dict[str, str]:
    """Envelope fields of a registry message: the request's correlation id (a new one outside
    a request) and who acted (a user, or the service itself by name)."""
    return {
        "correlation_id": correlation_id() or new_id(),
        "actor": actor.username if isinstance(actor, CurrentUser) else actor,
    }


def upserted(row: ClientRow, actor: CurrentUser | str) -> ClientUpserted:
    return ClientUpserted(
        **_origin(actor),
        client_id=row.client_id,
        motilal_client_id=row.motilal_client_id,
        name=row.name,
        active=row.active,
        exchanges=tuple(Exchange(e) for e in row.exchanges),
        trade_types=tuple(TradeType(t) for t in row.trade_types),
        limits=row.limits,
        groups=tuple(row.groups),
        sealed_credentials=row.sealed_credentials,
        dealer_id=row.dealer_id,
        network_identity=row.network_identity,
    )


def _merge(current: ClientRow, body: ClientUpdate) -> ClientRow:
    return replace(
        current,
        name=body.name.strip() if body.name is not None else current.name,
        active=body.active if body.active is not None else current.active,
        exchanges=[e.value for e in body.exchanges] if body.exchanges else current.exchanges,
        trade_types=(
            [t.value for t in body.trade_types] if body.trade_types else current.trade_types
        ),
        limits=body.limits.contract() if body.limits is not None else current.limits,
        groups=body.groups if body.groups is not None else current.groups,
        network_identity=(
            (None if body.network_identity is None else body.network_identity.contract())
            if "network_identity" in body.model_fields_set
            else current.network_identity
        ),
    )


def _summary(body: ClientCreate | ClientUpdate) -> dict[str, object]:
    """What changed, for the audit log: field values, but credentials only by name."""
    changes = body.model_dump(
        mode="json",
        exclude_none=True,
        exclude={"api_key", "password", "dob", "pan", "totp_secret"},
    )
    given = body.credentials_given()
    if given:
        changes["credentials_replaced"] = given
    return changes
