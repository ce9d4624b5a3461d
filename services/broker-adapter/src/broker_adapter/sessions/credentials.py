"""Opening the client credentials the gateway sealed (PyNaCl SealedBox, X25519).

Only the broker-adapter holds the private key. Credentials stay sealed at rest (the
`accounts` table keeps the box as received); they are opened in memory just before a
login and dropped after it.
"""

import base64
import binascii

from common.contracts.credentials import BrokerCredentials
from nacl.exceptions import CryptoError
from nacl.public import PrivateKey, SealedBox
from pydantic import SecretStr, ValidationError


class CredentialsUnavailable(Exception):
    """The key is missing, or the box cannot be opened or read; `reason` says which."""

    def __init__(self, reason: str) -> None:
        super().__init__(reason)
        self.reason = reason


def private_key_from(encoded: SecretStr | None) -> PrivateKey | None:
    """The key from its base64 form, or None when unset. Raises on a malformed key."""
    if encoded is None or not encoded.get_secret_value():
        return None
    try:
        return PrivateKey(base64.b64decode(encoded.get_secret_value(), validate=True))
    except (binascii.Error, ValueError, CryptoError) as error:
        raise CredentialsUnavailable(
            "BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY is not a base64 32-byte X25519 key"
        ) from error


def unseal(sealed: str, key: PrivateKey | None) -> BrokerCredentials:
    if key is None:
        raise CredentialsUnavailable(
            "BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY is not set: client credentials cannot be opened"
        )
    try:
        clear = SealedBox(key).decrypt(base64.b64decode(sealed, validate=True))
    except (binascii.Error, ValueError, CryptoError) as error:
        raise CredentialsUnavailable(
            "the stored credentials cannot be opened with this adapter's key (sealed to "
            "another key?): register them again"
        ) from error
    try:
        return BrokerCredentials.model_validate_json(clear)
    except ValidationError as error:
        raise CredentialsUnavailable(
            f"the stored credentials are not readable ({error.error_count()} problems): "
            "register them again"
        ) from None
