"""The key pair that seals client broker credentials, made once per state folder.

The gateway gets only the public half (it seals what operators type in); the broker-adapter
gets the private half (it alone opens them). In production both come from a secret store.
"""

import base64
from pathlib import Path

from nacl.public import PrivateKey


def credential_keys(state_dir: Path) -> tuple[str, str]:
    """(public, private) as base64; created on first use and kept with the state."""
    path = state_dir / "keys" / "credentials.key"
    if not path.exists():
        path.parent.mkdir(parents=True, exist_ok=True)
        path.parent.chmod(0o700)
        path.write_bytes(base64.b64encode(bytes(PrivateKey.generate())))
        path.chmod(0o600)
    private = PrivateKey(base64.b64decode(path.read_bytes()))
    return base64.b64encode(bytes(private.public_key)).decode(), base64.b64encode(
        bytes(private)
    ).decode()
