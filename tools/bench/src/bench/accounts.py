"""Simulator accounts for N clients: the demo accounts first, then synthetic ones.

The same deterministic scheme as tests/integration/orders/orders_testkit.py (same codes,
passwords and TOTP secrets for the same index), so a file written here is interchangeable
with the order tests' one. The simulator, the gateway's demo registration and the
adapter's dev logins all read the one file.
"""

import base64
import hashlib
import json
from pathlib import Path
from typing import Any

DATA = Path(__file__).resolve().parents[4] / "data"
DEMO_ACCOUNTS: list[dict[str, Any]] = json.loads((DATA / "sim-accounts.json").read_text())


def generated_accounts(count: int) -> list[dict[str, Any]]:
    """`count` accounts: the demo ones, then synthetic ones shaped like them.

    Demo accounts that only accept orders from a whitelisted IP (MO2035 by design) are left
    out: the platform cannot trade for them from this machine.
    """
    usable = [a for a in DEMO_ACCOUNTS if not a.get("allowed_ips")]
    accounts = [dict(a) for a in usable[:count]]
    template = DEMO_ACCOUNTS[0]
    for n in range(len(accounts), count):
        digest = hashlib.sha256(f"sim-account-{n}".encode()).digest()
        accounts.append(
            {
                **template,
                "client_code": f"TST{n:05d}",
                "name": f"TEST CLIENT {n}",
                "password": f"Sim@{n:06d}",
                "pan": f"ABCPT{n:04d}K",
                "totp_secret": base64.b32encode(digest[:20]).decode(),
                "api_key": digest.hex()[:16],
                "funds": 5_000_000,
                "holdings": [],
            }
        )
    return accounts


def write_accounts(folder: Path, count: int) -> tuple[Path, list[str]]:
    """Writes the accounts file; returns its path and the client codes, in order."""
    accounts = generated_accounts(count)
    path = folder / "sim-accounts.json"
    path.write_text(json.dumps(accounts))
    return path, [str(a["client_code"]).upper() for a in accounts]
