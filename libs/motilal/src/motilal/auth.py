"""Login inputs: the password hash, the TOTP code, and when a token dies."""

import hashlib
from datetime import UTC, datetime, time, timedelta

import pyotp

from motilal.units import IST

DAILY_EXPIRY = time(6, 0)


def password_hash(password: str, api_key: str) -> str:
    """SHA-256 hex of password + API key, password first (doc 08: "abc" + "123")."""
    return hashlib.sha256((password + api_key).encode("utf-8")).hexdigest()


def totp_code(secret: str, at: datetime | None = None) -> str:
    totp = pyotp.TOTP(secret)
    return totp.at(at) if at is not None else totp.now()


def next_totp(secret: str, first_at: datetime) -> str:
    """The code to retry with after the one made at `first_at` was refused: the current code
    if its window has passed since, else the next window's (the first may have been stale)."""
    totp = pyotp.TOTP(secret)
    now = datetime.now(UTC)
    if totp.timecode(now) != totp.timecode(first_at):
        return totp.at(now)
    return totp.at(now + timedelta(seconds=totp.interval))


def next_expiry(issued_at: datetime) -> datetime:
    """Every token expires at the next 06:00 IST (exchange compliance), in UTC."""
    local = issued_at.astimezone(IST)
    expiry = datetime.combine(local.date(), DAILY_EXPIRY, tzinfo=IST)
    if expiry <= local:
        expiry += timedelta(days=1)
    return expiry.astimezone(UTC)
