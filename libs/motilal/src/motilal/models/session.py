from datetime import datetime
from typing import Any

from pydantic import SecretStr

from motilal.models.base import Frozen


class Session(Frozen):
    """A logged-in account. The token prints as '**********'."""

    client_code: str
    auth_token: SecretStr
    verified: bool
    """False until the OTP is verified (login without TOTP)."""
    logged_in_at: datetime
    expires_at: datetime
    """Motilal kills every token at 06:00 IST; log in again before then."""


class Profile(Frozen):
    """getprofile's `data`: who the token belongs to and what it may trade."""

    client_code: str
    name: str
    exchanges: tuple[str, ...]
    products: tuple[str, ...]
    """As Motilal writes them, e.g. "Normal", "Delivery"."""
    user_type: str

    @classmethod
    def from_row(cls, row: dict[str, Any]) -> "Profile":
        def names(key: str) -> tuple[str, ...]:
            value = row.get(key) or ()
            items = value.split(",") if isinstance(value, str) else value
            return tuple(str(v).strip() for v in items if str(v).strip())

        return cls(
            client_code=str(row.get("clientcode", "")).strip(),
            name=str(row.get("name", "")).strip(),
            exchanges=names("exchanges"),
            products=names("products"),
            user_type=str(row.get("usertype", "")).strip(),
        )
