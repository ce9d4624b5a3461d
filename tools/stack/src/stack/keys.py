"""The key pairs of the client registry, made once per state folder.

- Sealing (X25519): the gateway gets only the public half (it seals what operators type
  in); the broker-adapter gets the private half (it alone opens them).
- Signing (Ed25519): the gateway alone holds the signing key of accounts.clients.v1; the
  broker-adapter gets the verify key and refuses messages the gateway did not sign.

In production all come from a secret store (`python -m stack keys` prints fresh ones).
"""

import base64
from pathlib import Path

from nacl.public import PrivateKey
from nacl.signing import SigningKey


def _seed(path: Path) -> bytes:
    """A random 32-byte secret kept 0600 at `path` (made on first use)."""
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        path.write_bytes(base64.b64encode(bytes(PrivateKey.generate())))
        path.chmod(0o600)
    return base64.b64decode(path.read_bytes())


def credential_keys(state_dir: Path) -> tuple[str, str]:
    """(public, private) as base64; created on first use and kept with the state."""
    private = PrivateKey(_seed(state_dir / "keys" / "credentials.key"))
    return base64.b64encode(bytes(private.public_key)).decode(), base64.b64encode(
        bytes(private)
    ).decode()


def registry_signing_keys(state_dir: Path) -> tuple[str, str]:
    """(verify, signing) as base64; created on first use and kept with the state."""
    signing = SigningKey(_seed(state_dir / "keys" / "registry-signing.key"))
    return base64.b64encode(bytes(signing.verify_key)).decode(), base64.b64encode(
        bytes(signing)
    ).decode()
