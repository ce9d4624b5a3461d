"""Where the sign-in is kept: `credentials.json` in the user's config directory, mode 0600.

The directory is typer's per-user app dir (~/.config/platform on Linux), or
PLATFORM_CONFIG_DIR when set (tests, several desks on one machine). The file holds the
gateway URL and the token pair, never the password.
"""

import json
import os
from dataclasses import asdict, dataclass
from pathlib import Path

import typer

DEFAULT_URL = "http://127.0.0.1:8000"
FILE_NAME = "credentials.json"


@dataclass(frozen=True)
class Credentials:
    url: str
    username: str
    access_token: str
    refresh_token: str


def config_dir() -> Path:
    override = os.environ.get("PLATFORM_CONFIG_DIR")
    return Path(override) if override else Path(typer.get_app_dir("platform"))


def credentials_path() -> Path:
    return config_dir() / FILE_NAME


def save(credentials: Credentials) -> Path:
    """Write the file readable by its owner only, from the first byte (no chmod window)."""
    path = credentials_path()
    path.parent.mkdir(parents=True, exist_ok=True, mode=0o700)
    fd = os.open(path, os.O_WRONLY | os.O_CREAT | os.O_TRUNC, 0o600)
    with os.fdopen(fd, "w") as handle:
        json.dump(asdict(credentials), handle)
    path.chmod(0o600)  # an older file may have been created with wider bits
    return path


def load() -> Credentials | None:
    path = credentials_path()
    if not path.exists():
        return None
    try:
        return Credentials(**json.loads(path.read_text()))
    except (ValueError, TypeError):
        return None


def forget() -> bool:
    path = credentials_path()
    if path.exists():
        path.unlink()
        return True
    return False
