"""What is inside `ClientUpserted.sealed_credentials` once the broker-adapter opens it.

The gateway seals `BrokerCredentials.reveal_json()` with a libsodium sealed box (X25519 +
XSalsa20-Poly1305, PyNaCl `SealedBox`) to the broker-adapter's public key and sends the
base64 of the box. Only the adapter's private key opens it. The fields are SecretStr so a
repr, a log line or `model_dump_json()` never shows them; `reveal_json()` is the one place
that does, and it is only ever fed to the sealing call.
"""

import json
from typing import Literal

from pydantic import SecretStr

from common.contracts.envelope import Contract


class BrokerCredentials(Contract):
    """One Motilal account's login secrets (version 1 of the sealed payload)."""

    version: Literal[1] = 1
    api_key: SecretStr
    password: SecretStr
    dob: SecretStr | None = None
    """Date of birth as dd/mm/yyyy (Motilal's 2FA); preferred over PAN when both are set."""
    pan: SecretStr | None = None
    """PAN in capitals (the other 2FA option)."""
    totp_secret: SecretStr | None = None
    """Base32 TOTP secret from the Motilal portal; without it login takes the OTP path."""
    api_secret: SecretStr | None = None
    """This client's app secret (`apisecretkey`); unset, MOTILAL_API_SECRET is sent."""

    @property
    def two_fa(self) -> SecretStr:
        factor = self.dob or self.pan
        if factor is None:
            raise ValueError("credentials have neither a date of birth nor a PAN")
        return factor

    def present(self) -> dict[str, bool]:
        """Which fields are set, for showing presence without values."""
        return {
            "api_key": True,
            "password": True,
            "dob": self.dob is not None,
            "pan": self.pan is not None,
            "totp_secret": self.totp_secret is not None,
            "api_secret": self.api_secret is not None,
        }

    def reveal_json(self) -> bytes:
        """The clear-text JSON to seal. Never log or return it."""
        body: dict[str, object] = {"version": self.version}
        for name in ("api_key", "password", "dob", "pan", "totp_secret", "api_secret"):
            value: SecretStr | None = getattr(self, name)
            body[name] = value.get_secret_value() if value is not None else None
        return json.dumps(body).encode()
