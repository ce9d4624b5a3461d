"""Signing the registry messages the gateway publishes to `accounts.clients.v1` (Ed25519).

Sealing credentials needs only the broker-adapter's public key, so a sealed box alone does
not show who wrote it: anyone who can produce to the topic could register a client of their
own, or move another client's sealed credentials under a client id they choose. The gateway
alone holds GATEWAY_REGISTRY_SIGNING_KEY and signs `ClientUpserted.signed_bytes()` (client
id, account fields and the sealed box); the adapter holds the verify key and refuses
anything else (broker_adapter.sessions.signature).
"""

import base64
import binascii
from typing import TypeVar

from common.contracts.accounts import ClientUpserted, DealerUpserted
from nacl.exceptions import CryptoError
from nacl.signing import SigningKey
from pydantic import SecretStr


class SigningUnavailable(RuntimeError):
    """The signing key is malformed."""


def signing_key_from(encoded: SecretStr | None) -> SigningKey | None:
    """The key from its base64 32-byte seed, or None when unset. Raises on a malformed key."""
    if encoded is None or not encoded.get_secret_value():
        return None
    try:
        return SigningKey(base64.b64decode(encoded.get_secret_value(), validate=True))
    except (binascii.Error, ValueError, CryptoError, TypeError) as error:
        raise SigningUnavailable(
            "GATEWAY_REGISTRY_SIGNING_KEY is not a base64 32-byte Ed25519 seed"
        ) from error


R = TypeVar("R", ClientUpserted, DealerUpserted)


def signed(message: R, key: SigningKey | None) -> R:
    """The message with the gateway's signature (unchanged without a key: dev mode only)."""
    if key is None:
        return message
    signature = key.sign(message.signed_bytes()).signature
    return message.model_copy(update={"signature": base64.b64encode(signature).decode()})
