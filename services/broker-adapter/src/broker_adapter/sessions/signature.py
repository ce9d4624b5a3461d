"""Only registry messages the gateway signed reach the adapter's accounts (Ed25519 verify).

Sealing needs only the adapter's public key, so a well-sealed `ClientUpserted` proves
nothing about its author. The gateway signs `ClientUpserted.signed_bytes()` (client id,
account fields, sealed box) with GATEWAY_REGISTRY_SIGNING_KEY; the adapter holds the verify
key (BROKER_ADAPTER_REGISTRY_VERIFY_KEY) and drops any message without a valid signature:
logged, counted in broker_adapter_registry_refused_total, never applied.
"""

import base64
import binascii
import logging
from collections.abc import Sequence

from common.contracts.accounts import ClientUpserted, DealerUpserted, dealer_key
from common.contracts.envelope import Message
from nacl.exceptions import BadSignatureError, CryptoError
from nacl.signing import VerifyKey
from prometheus_client import Counter

log = logging.getLogger(__name__)

REFUSED = Counter(
    "broker_adapter_registry_refused_total",
    "accounts.clients.v1 messages refused for a missing or invalid gateway signature",
    ["reason"],
)


class RegistryKeyInvalid(ValueError):
    """BROKER_ADAPTER_REGISTRY_VERIFY_KEY is not a base64 32-byte Ed25519 public key."""


def verify_key_from(encoded: str | None) -> VerifyKey | None:
    if not encoded:
        return None
    try:
        return VerifyKey(base64.b64decode(encoded, validate=True))
    except (binascii.Error, ValueError, CryptoError, TypeError) as error:
        raise RegistryKeyInvalid(
            "BROKER_ADAPTER_REGISTRY_VERIFY_KEY is not a base64 32-byte Ed25519 public key"
        ) from error


class RegistryVerifier:
    """Checks the gateway's signature; without a key (dev mode only) everything passes."""

    def __init__(self, key: VerifyKey | None) -> None:
        self._key = key

    def refusal(self, message: ClientUpserted | DealerUpserted) -> str | None:
        """Why the message is refused (`unsigned`, `malformed`, `bad_signature`), or None."""
        if self._key is None:
            return None
        if not message.signature:
            return "unsigned"
        try:
            signature = base64.b64decode(message.signature, validate=True)
        except (binascii.Error, ValueError):
            return "malformed"
        try:
            self._key.verify(message.signed_bytes(), signature)
        except (BadSignatureError, CryptoError, ValueError, TypeError):
            return "bad_signature"
        return None

    def genuine(self, messages: Sequence[Message], *, report: bool = True) -> list[ClientUpserted]:
        """The client messages with a valid signature; the others logged and counted
        (with `report`, so two consumers of one batch count a refusal once)."""
        kept = self.genuine_registry(messages, report=report)
        return [m for m in kept if isinstance(m, ClientUpserted)]

    def genuine_registry(
        self, messages: Sequence[Message], *, report: bool = True
    ) -> list[ClientUpserted | DealerUpserted]:
        """Client and dealer messages with a valid signature, in order."""
        kept: list[ClientUpserted | DealerUpserted] = []
        for message in messages:
            if not isinstance(message, ClientUpserted | DealerUpserted):
                continue
            reason = self.refusal(message)
            if reason is None:
                kept.append(message)
            elif report:
                REFUSED.labels(reason).inc()
                log.warning(
                    "refused accounts.clients.v1 message %s for client %s from actor %r: %s "
                    "(not signed by the gateway's registry key); not applied",
                    message.event_id, _key(message), message.actor, reason,
                )  # fmt: skip
        return kept


def _key(message: ClientUpserted | DealerUpserted) -> str:
    return (
        message.client_id if isinstance(message, ClientUpserted) else dealer_key(message.dealer_id)
    )


def registry_verifier(encoded: str | None, *, dev_mode: bool) -> RegistryVerifier:
    """The verifier for BROKER_ADAPTER_REGISTRY_VERIFY_KEY; required outside dev mode."""
    key = verify_key_from(encoded)
    if key is None:
        message = (
            "BROKER_ADAPTER_REGISTRY_VERIFY_KEY is not set: accounts.clients.v1 messages "
            "cannot be checked for the gateway's signature"
        )
        if not dev_mode:
            raise SystemExit(f"broker-adapter cannot start: {message}")
        log.warning("DEV MODE: %s; every registry message is accepted", message)
    return RegistryVerifier(key)
