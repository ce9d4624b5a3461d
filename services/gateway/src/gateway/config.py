"""Settings of the gateway service (environment prefix GATEWAY_).

Secrets (the JWT secret, the first admin's password, the credentials public key) have
defaults only in the embedded dev mode (PLATFORM_DEV_MODE=true); outside it a missing one
stops the service at start with a message naming the variable (see `secret_problems`).
"""

from pathlib import Path
from typing import Annotated

from common.settings import ServiceSettings, split_commas
from pydantic import AliasChoices, BeforeValidator, Field, SecretStr, field_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from gateway.auth.client_address import networks

_REPO_DATA = Path(__file__).resolve().parents[4] / "data"

DEV_JWT_SECRET = "dev-only-jwt-secret-do-not-use-outside-the-embedded-stack"  # noqa: S105
DEV_ADMIN_PASSWORD = "admin"  # noqa: S105
MIN_JWT_SECRET_LENGTH = 32


class GatewaySettings(ServiceSettings):
    model_config = SettingsConfigDict(env_prefix="GATEWAY_", extra="ignore", populate_by_name=True)

    port: int = Field(default=8000, description="HTTP port of the gateway")

    # ---- platform users and tokens -------------------------------------------------------
    jwt_secret: SecretStr | None = Field(
        default=None,
        description="HS256 key signing access and refresh tokens (GATEWAY_JWT_SECRET); "
        f"at least {MIN_JWT_SECRET_LENGTH} characters. Dev mode falls back to a fixed demo key.",
    )
    jwt_issuer: str = Field(default="trading-platform-gateway", description="`iss` claim")
    access_token_minutes: int = Field(
        default=15, gt=0, description="lifetime of an access token (short: it is not revocable)"
    )
    refresh_token_hours: int = Field(
        default=12, gt=0, description="lifetime of a refresh token; each refresh rotates it"
    )
    admin_username: str = Field(
        default="admin",
        validation_alias=AliasChoices("ADMIN_USERNAME", "GATEWAY_ADMIN_USERNAME"),
        description="the first admin, created at start if no user of that name exists",
    )
    admin_password: SecretStr | None = Field(
        default=None,
        validation_alias=AliasChoices("ADMIN_PASSWORD", "GATEWAY_ADMIN_PASSWORD"),
        description="the first admin's password; dev mode defaults to 'admin' (with a warning)",
    )
    login_user_failures: int = Field(
        default=5,
        gt=0,
        description="failed logins allowed per (username, client address) per window; past "
        "it that pair waits (429 with Retry-After). The same user from another address is "
        "not slowed, so nobody can lock a user out by failing on purpose",
    )
    login_address_failures: int = Field(
        default=30, gt=0, description="failed logins allowed per client address per window"
    )
    login_window_seconds: int = Field(
        default=300, gt=0, description="the rate-limit window; 429 with Retry-After past it"
    )
    trusted_proxies: Annotated[list[str], NoDecode, BeforeValidator(split_commas)] = Field(
        default_factory=list,
        description="addresses or CIDR blocks of the proxies in front of the gateway "
        "(GATEWAY_TRUSTED_PROXIES, comma-separated, e.g. 10.0.0.0/8). Only a connection from "
        "one of them may name the client in X-Forwarded-For; empty: the header is ignored",
    )

    # ---- browser and ops pages -------------------------------------------------------------
    api_docs: bool = Field(
        default=True,
        description="serve /docs, /redoc and /openapi.json (GATEWAY_API_DOCS); false answers 404",
    )
    metrics_token: SecretStr | None = Field(
        default=None,
        description="when set (GATEWAY_METRICS_TOKEN), /metrics asks for it as a bearer token "
        "(Prometheus: `authorization: {credentials: ...}`); unset, /metrics is open",
    )
    hsts_seconds: int = Field(
        default=31_536_000,
        ge=0,
        description="Strict-Transport-Security max-age sent on answers served over HTTPS "
        "(directly or per X-Forwarded-Proto from a trusted proxy); 0 sends none",
    )

    # ---- orders -----------------------------------------------------------------------------
    instrument_cache_seconds: float = Field(
        default=60.0,
        ge=0,
        description="how long an order's instrument (lot, tick, tradeable) from market-data is "
        "reused before asking again; a token master reload reaches order checks within this "
        "(the order-router checks lot and tick again). 0 asks market-data for every order",
    )

    # ---- client credentials ---------------------------------------------------------------
    credentials_public_key: str | None = Field(
        default=None,
        description="base64 X25519 public key of the broker-adapter "
        "(GATEWAY_CREDENTIALS_PUBLIC_KEY): client credentials are sealed to it",
    )
    registry_signing_key: SecretStr | None = Field(
        default=None,
        description="base64 Ed25519 seed (GATEWAY_REGISTRY_SIGNING_KEY) signing every "
        "accounts.clients.v1 message; the broker-adapter holds the verify key and refuses "
        "unsigned ones. Only dev mode may run without it",
    )

    # ---- alerts (alerts.v1 to a webhook) ----------------------------------------------
    alert_webhook_url: SecretStr | None = Field(
        default=None,
        description="POST every alert (alerts.v1) here as JSON, with a Slack-style `text` "
        "line (GATEWAY_ALERT_WEBHOOK_URL); unset: alerts go to the dashboard only. Such URLs "
        "carry a token (Slack, a Telegram bot): a secret, never logged",
    )
    alert_webhook_attempts: int = Field(
        default=5, ge=1, le=20, description="tries of one alert's POST (backing off) before "
        "it is logged as undelivered and the next alert is sent",
    )  # fmt: skip
    alert_webhook_timeout_seconds: float = Field(
        default=5, gt=0, description="how long one POST to the webhook may take"
    )

    # ---- demo clients (dev mode only) -----------------------------------------------------
    register_demo_clients: bool = Field(
        default=True,
        description="in dev mode, register the simulator's demo accounts as clients "
        "when the registry is empty (first start)",
    )
    demo_accounts_path: Path = Field(
        default=_REPO_DATA / "sim-accounts.json",
        description="the simulator's demo accounts file (GATEWAY_DEMO_ACCOUNTS_PATH)",
    )

    @field_validator("trusted_proxies")
    @classmethod
    def _networks(cls, value: list[str]) -> list[str]:
        networks(value)  # a bad entry is a ValueError naming it
        return value

    def effective_jwt_secret(self) -> str:
        return self._secret_or_dev(self.jwt_secret, DEV_JWT_SECRET)

    def effective_admin_password(self) -> str:
        return self._secret_or_dev(self.admin_password, DEV_ADMIN_PASSWORD)

    def _secret_or_dev(self, secret: SecretStr | None, dev_default: str) -> str:
        """The secret as set; unset, dev mode's demo value or an error naming what is missing."""
        if secret is not None:
            return secret.get_secret_value()
        if self.dev_mode:
            return dev_default
        raise RuntimeError("; ".join(self.secret_problems()))

    def secret_problems(self) -> list[str]:
        """What is missing or weak, in words naming the variable; empty when all is well."""
        problems: list[str] = []
        secret = self.jwt_secret.get_secret_value() if self.jwt_secret else ""
        if self.dev_mode and not secret:
            return problems
        if not secret:
            problems.append(
                "GATEWAY_JWT_SECRET is not set: set it to a random string of at least "
                f"{MIN_JWT_SECRET_LENGTH} characters (e.g. `openssl rand -hex 32`)"
            )
        elif len(secret) < MIN_JWT_SECRET_LENGTH:
            problems.append(
                f"GATEWAY_JWT_SECRET is {len(secret)} characters long: it needs at least "
                f"{MIN_JWT_SECRET_LENGTH}"
            )
        if not self.dev_mode:
            if self.admin_password is None or not self.admin_password.get_secret_value():
                problems.append(
                    "ADMIN_PASSWORD is not set: it is the first admin's password "
                    f"(user {self.admin_username!r}); only the embedded dev mode defaults it"
                )
            if not self.credentials_public_key:
                problems.append(
                    "GATEWAY_CREDENTIALS_PUBLIC_KEY is not set: it is the broker-adapter's "
                    "base64 X25519 public key that client credentials are sealed to"
                )
            if (
                self.registry_signing_key is None
                or not self.registry_signing_key.get_secret_value()
            ):
                problems.append(
                    "GATEWAY_REGISTRY_SIGNING_KEY is not set: it is the base64 Ed25519 seed "
                    "that signs accounts.clients.v1 (`python -m stack keys`)"
                )
        return problems
