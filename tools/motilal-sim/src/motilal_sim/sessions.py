"""Auth tokens: issued at login, unverified until OTP when no TOTP was given, dying at 06:00 IST."""

import secrets
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta

from motilal.auth import next_expiry


@dataclass
class SimSession:
    token: str
    client_code: str
    verified: bool
    expires_at: datetime
    otp: str = ""
    otp_attempts: int = 0
    revoked: bool = False

    def expired(self, now: datetime) -> bool:
        return self.revoked or now >= self.expires_at


class SessionStore:
    def __init__(self, ttl_seconds: float | None) -> None:
        self._ttl = ttl_seconds
        self._by_token: dict[str, SimSession] = {}

    def issue(self, client_code: str, *, verified: bool, otp: str = "") -> SimSession:
        now = datetime.now(UTC)
        expiry = now + timedelta(seconds=self._ttl) if self._ttl else next_expiry(now)
        token = secrets.token_hex(24) + "_M"
        session = SimSession(token, client_code, verified, expiry, otp=otp)
        self._by_token[token] = session
        return session

    def get(self, token: str) -> SimSession | None:
        return self._by_token.get(token)

    def latest_for(self, client_code: str) -> SimSession | None:
        found = [s for s in self._by_token.values() if s.client_code == client_code]
        return found[-1] if found else None

    def expire_client(self, client_code: str) -> int:
        count = 0
        for session in self._by_token.values():
            if session.client_code == client_code and not session.revoked:
                session.revoked = True
                count += 1
        return count

    def clear(self) -> None:
        self._by_token.clear()
