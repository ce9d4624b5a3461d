"""Sealing client broker credentials to the broker-adapter's public key.

The gateway holds only the public half of the X25519 pair (GATEWAY_CREDENTIALS_PUBLIC_KEY):
it can seal what an operator types in but can never open it again, so a gateway compromise
or a database dump reveals no broker password. Updating credentials means sending them all
again (the old box cannot be opened to merge a single field).
"""

import base64
import binascii

from common.contracts.credentials import BrokerCredentials
from nacl.exceptions import CryptoError
from nacl.public import PublicKey, SealedBox


class SealingUnavailable(RuntimeError):
    """The public key is missing or malformed; client credentials cannot be stored."""


def public_key_from(encoded: str | None) -> PublicKey:
    if not encoded:
        raise SealingUnavailable(
            "GATEWAY_CREDENTIALS_PUBLIC_KEY is not set: client credentials cannot be sealed"
        )
    try:
        raw = base64.b64decode(encoded, validate=True)
        return PublicKey(raw)
    except (binascii.Error, ValueError, CryptoError) as error:
        raise SealingUnavailable(
            "GATEWAY_CREDENTIALS_PUBLIC_KEY is not a base64 32-byte X25519 public key"
        ) from error


def seal(credentials: BrokerCredentials, public_key: PublicKey) -> str:
    """The base64 sealed box of the credentials' JSON (a fresh ephemeral key each time)."""
    box = SealedBox(public_key).encrypt(credentials.reveal_json())
    return base64.b64encode(box).decode()
