"""HTTP bodies of /api/v1/clients: what an admin sends, what anyone with a token sees.

Responses never carry a credential: `credentials` says only which ones are present.
Validation errors are 422 with the field's location and the reason (FastAPI's format).
"""

import base64
import binascii
import re
from datetime import UTC, date, datetime
from decimal import Decimal

from common.contracts.accounts import ClientNetwork, RiskLimits
from common.contracts.credentials import BrokerCredentials
from common.enums import Exchange, TradeType
from motilal.identity import NetworkIdentity
from pydantic import BaseModel, ConfigDict, Field, SecretStr, field_validator

CLIENT_ID_PATTERN = r"^[A-Za-z0-9_-]{1,40}$"
_PAN = re.compile(r"^[A-Z]{5}[0-9]{4}[A-Z]$")
_MOTILAL_ID = re.compile(r"^[A-Z0-9]{2,20}$")
CREDENTIAL_FIELDS = ("api_key", "password", "dob", "pan", "totp_secret", "api_secret")


def _dob(value: str) -> str:
    try:
        born = datetime.strptime(value, "%d/%m/%Y").date()
    except ValueError as error:
        raise ValueError("dob must be a date as dd/mm/yyyy, e.g. 14/03/1986") from error
    if born >= datetime.now(UTC).date() or born < date(1900, 1, 1):
        raise ValueError("dob must be a date of birth after 01/01/1900 and before today")
    return value


def _pan(value: str) -> str:
    pan = value.strip().upper()
    if not _PAN.match(pan):
        raise ValueError("pan must be 5 letters, 4 digits and a letter, e.g. ABCDE1234F")
    return pan


def _totp(value: str) -> str:
    secret = re.sub(r"\s+", "", value).upper().rstrip("=")
    try:
        decoded = base64.b32decode(secret + "=" * (-len(secret) % 8))
    except (binascii.Error, ValueError) as error:
        raise ValueError("totp_secret is not base32 (letters A-Z and digits 2-7)") from error
    if len(decoded) < 14:  # RFC 4226 asks for 128 bits; TOTP generators refuse < 112
        raise ValueError(
            "totp_secret is too short (under 112 bits): the Motilal portal gives 32 characters"
        )
    return secret


class Limits(BaseModel):
    """Pre-trade limits; null means no limit of that kind."""

    model_config = ConfigDict(extra="forbid")

    max_order_quantity: int | None = Field(default=None, gt=0, description="shares per order")
    max_order_value: Decimal | None = Field(
        default=None, gt=0, max_digits=18, decimal_places=2, description="rupees per order"
    )
    max_open_positions: int | None = Field(default=None, gt=0)

    def contract(self) -> RiskLimits:
        return RiskLimits(
            max_order_quantity=self.max_order_quantity,
            max_order_value=self.max_order_value,
            max_open_positions=self.max_open_positions,
        )


class NetworkIdentityIn(NetworkIdentity):
    """Where the client's Motilal calls come from (NSE binds its API key to this static IP).
    Clients of one family share the IP: give them the same identity and `family` label."""

    model_config = ConfigDict(frozen=True, extra="forbid")

    family: str | None = Field(
        default=None, min_length=1, max_length=40, description="family sharing the static IP"
    )
    egress_pool: str | None = Field(
        default=None,
        pattern=r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$",
        description="the broker-adapter egress pool (BROKER_ADAPTER_EGRESS_POOL) whose pods own "
        "local_ip; none: the default pool",
    )

    def contract(self) -> ClientNetwork:
        return ClientNetwork(**self.model_dump())


_IDENTITY_DOC = (
    "its own public_ip, local_ip and mac_address for Motilal calls; none: the deployment's "
    "(outside development mode a loopback or private address is refused)"
)


class _CredentialsIn(BaseModel):
    model_config = ConfigDict(extra="forbid")

    api_key: SecretStr | None = Field(default=None, description="Motilal app API key")
    password: SecretStr | None = Field(default=None, description="trading password")
    dob: SecretStr | None = Field(default=None, description="date of birth, dd/mm/yyyy")
    pan: SecretStr | None = Field(default=None, description="PAN, e.g. ABCDE1234F")
    totp_secret: SecretStr | None = Field(
        default=None, description="base32 TOTP secret; without it logins need an OTP"
    )
    api_secret: SecretStr | None = Field(
        default=None, description="Motilal app secret (apisecretkey); default: the adapter's"
    )

    @field_validator("api_key", "password", "api_secret")
    @classmethod
    def _not_blank(cls, value: SecretStr | None) -> SecretStr | None:
        if value is not None and not value.get_secret_value().strip():
            raise ValueError("must not be blank")
        return value

    @field_validator("dob")
    @classmethod
    def _check_dob(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else SecretStr(_dob(value.get_secret_value().strip()))

    @field_validator("pan")
    @classmethod
    def _check_pan(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else SecretStr(_pan(value.get_secret_value()))

    @field_validator("totp_secret")
    @classmethod
    def _check_totp(cls, value: SecretStr | None) -> SecretStr | None:
        return None if value is None else SecretStr(_totp(value.get_secret_value()))

    def credentials_given(self) -> list[str]:
        return [name for name in CREDENTIAL_FIELDS if getattr(self, name) is not None]

    def missing_credentials(self) -> list[str]:
        """Fields a full credential set still lacks ("dob" stands for "dob or pan")."""
        missing = [name for name in ("api_key", "password") if getattr(self, name) is None]
        if self.dob is None and self.pan is None:
            missing.append("dob")
        return missing

    def credentials(self) -> BrokerCredentials | None:
        """The full set, or None when none was given (check `missing_credentials` first)."""
        if not self.credentials_given() or self.missing_credentials():
            return None
        return BrokerCredentials.model_validate(self, from_attributes=True)


def _groups(groups: list[str]) -> list[str]:
    cleaned = [g.strip() for g in groups]
    if any(not g or len(g) > 40 for g in cleaned):
        raise ValueError("each group is 1-40 characters")
    return sorted(set(cleaned))


def _motilal_id(value: str) -> str:
    code = value.strip().upper()
    if not _MOTILAL_ID.match(code):
        raise ValueError("motilal_client_id must be 2-20 letters or digits (the client code)")
    return code


class ClientCreate(_CredentialsIn):
    client_id: str | None = Field(
        default=None,
        pattern=CLIENT_ID_PATTERN,
        description="platform id; defaults to motilal_client_id. Never changes afterwards.",
    )
    name: str = Field(min_length=1, max_length=120)
    motilal_client_id: str
    exchanges: list[Exchange] = Field(
        default_factory=lambda: [Exchange.NSE, Exchange.BSE], min_length=1
    )
    trade_types: list[TradeType] = Field(default_factory=lambda: list(TradeType), min_length=1)
    limits: Limits = Field(default_factory=Limits)
    groups: list[str] = Field(default_factory=list, max_length=50)
    active: bool = True
    dealer_id: str | None = Field(
        default=None,
        pattern=CLIENT_ID_PATTERN,
        description="reach this client through a registered dealer's one login (then give no "
        "credentials); without it the client logs in with its own",
    )
    network_identity: NetworkIdentityIn | None = Field(default=None, description=_IDENTITY_DOC)

    @field_validator("motilal_client_id")
    @classmethod
    def _check_motilal(cls, value: str) -> str:
        return _motilal_id(value)

    @field_validator("groups")
    @classmethod
    def _check_groups(cls, groups: list[str]) -> list[str]:
        return _groups(groups)


class ClientUpdate(_CredentialsIn):
    """Only the fields given change. Credentials, if any is given, are replaced as a whole."""

    name: str | None = Field(default=None, min_length=1, max_length=120)
    motilal_client_id: str | None = None
    exchanges: list[Exchange] | None = Field(default=None, min_length=1)
    trade_types: list[TradeType] | None = Field(default=None, min_length=1)
    limits: Limits | None = None
    groups: list[str] | None = Field(default=None, max_length=50)
    active: bool | None = None
    dealer_id: str | None = Field(
        default=None,
        pattern=CLIENT_ID_PATTERN,
        description="move the client under this dealer (its own credentials are dropped); "
        "giving credentials instead moves it back to its own login",
    )
    network_identity: NetworkIdentityIn | None = Field(
        default=None, description=_IDENTITY_DOC + "; null: back to the deployment's"
    )

    @field_validator("motilal_client_id")
    @classmethod
    def _check_motilal(cls, value: str | None) -> str | None:
        return None if value is None else _motilal_id(value)

    @field_validator("groups")
    @classmethod
    def _check_groups(cls, groups: list[str] | None) -> list[str] | None:
        return None if groups is None else _groups(groups)


class DealerCreate(_CredentialsIn):
    """A Motilal dealer (admin): its own login, acting for the clients that name it."""

    dealer_id: str = Field(pattern=CLIENT_ID_PATTERN, description="platform id of the dealer")
    name: str = Field(min_length=1, max_length=120)
    motilal_client_id: str = Field(description="the dealer's own Motilal login id")

    @field_validator("motilal_client_id")
    @classmethod
    def _check_motilal(cls, value: str) -> str:
        return _motilal_id(value)


class CredentialPresence(BaseModel):
    api_key: bool = False
    password: bool = False
    dob: bool = False
    pan: bool = False
    totp_secret: bool = False
    updated_at: datetime | None = None


class SessionView(BaseModel):
    """The broker session as the broker-adapter last reported it."""

    state: str = Field(description="LOGGED_OUT, LOGGING_IN, ACTIVE, FAILED or OTP_REQUIRED")
    reason: str | None = Field(default=None, description="why the last login failed, in words")
    error_code: str | None = Field(default=None, description="Motilal's code, e.g. MO1000")
    expires_at: datetime | None = None
    updated_at: datetime


class LimitsOut(BaseModel):
    max_order_quantity: int | None
    max_order_value: str | None = Field(description="rupees, as a decimal string")
    max_open_positions: int | None


class ClientOut(BaseModel):
    """A client as the API shows it. Later issues add fields (funds, P&L) by subclassing."""

    client_id: str
    motilal_client_id: str
    name: str
    active: bool
    exchanges: list[Exchange]
    trade_types: list[TradeType]
    limits: LimitsOut
    groups: list[str]
    credentials: CredentialPresence
    dealer_id: str | None = Field(
        default=None, description="the dealer whose login reaches this client; null: its own"
    )
    network_identity: ClientNetwork | None = Field(
        default=None, description="its own network identity; null: the deployment's"
    )
    session: SessionView | None = Field(
        default=None, description="null until the broker-adapter has reported on this client"
    )
    created_at: datetime
    updated_at: datetime


class DealerOut(BaseModel):
    dealer_id: str
    motilal_client_id: str
    name: str
    active: bool
    credentials: CredentialPresence
    clients: list[str] = Field(description="client ids reached through this dealer")
    session: SessionView | None = Field(
        default=None, description="the dealer's own broker session, as last reported"
    )
