from datetime import datetime

from pydantic import BaseModel, ConfigDict, SecretStr


class Session(BaseModel):
    """A logged-in account. The token prints as '**********'."""

    model_config = ConfigDict(frozen=True)

    client_code: str
    auth_token: SecretStr
    verified: bool
    """False until the OTP is verified (login without TOTP)."""
    logged_in_at: datetime
    expires_at: datetime
    """Motilal kills every token at 06:00 IST; log in again before then."""
