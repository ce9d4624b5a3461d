"""Where Motilal is and how this platform introduces itself: base URLs, device headers, timeouts.

Every field reads from the environment with the prefix MOTILAL_ (e.g. MOTILAL_ENVIRONMENT=uat).
Per-account secrets are not settings: they live in `Credentials`.
"""

from typing import Literal

from pydantic import BaseModel, ConfigDict, SecretStr
from pydantic_settings import BaseSettings, SettingsConfigDict

from motilal.paths import FEED_PATH, ORDER_STREAM_PATH

Environment = Literal["sim", "uat", "live"]


class Hosts(BaseModel):
    model_config = ConfigDict(frozen=True)

    rest: str
    feed: str
    order_stream: str


HOSTS: dict[Environment, Hosts] = {
    "live": Hosts(
        rest="https://openapi.motilaloswal.com",
        feed="wss://ws1feed.motilaloswal.com" + FEED_PATH,
        order_stream="wss://openapi.motilaloswal.com" + ORDER_STREAM_PATH,
    ),
    "uat": Hosts(
        rest="https://openapi.motilaloswaluat.com",
        # The SDK uses the live feed host for UAT too; the uat feed host is unverified.
        feed="wss://ws1feed.motilaloswal.com" + FEED_PATH,
        order_stream="wss://openapi.motilaloswaluat.com" + ORDER_STREAM_PATH,
    ),
    "sim": Hosts(
        rest="http://127.0.0.1:8100",
        feed="ws://127.0.0.1:8100" + FEED_PATH,
        order_stream="ws://127.0.0.1:8100" + ORDER_STREAM_PATH,
    ),
}


class MotilalSettings(BaseSettings):
    """Connection settings shared by every account this process trades for."""

    model_config = SettingsConfigDict(env_prefix="MOTILAL_", frozen=True, extra="ignore")

    environment: Environment = "sim"
    """Which Motilal: the local simulator, UAT or live. Picks the three URLs below."""
    base_url: str | None = None
    """Overrides the REST base of `environment` (e.g. a simulator on another port)."""
    feed_url: str | None = None
    order_stream_url: str | None = None

    connect_timeout: float = 3.0
    """Seconds to open a connection; a connect failure means nothing was sent."""
    read_timeout: float = 10.0
    """Seconds to wait for an answer; past it an order write is an unknown outcome."""
    max_connections: int = 64
    """Connections (and requests in flight) to Motilal per process; more wait their turn."""
    read_retries: int = 3
    """Attempts for idempotent reads (books, quotes, margins); writes are never retried here."""
    login_retries: int = 4
    """Attempts of a login that meets transient trouble (MO8000, MO500x, timeouts, 5xx);
    a refusal (wrong password, locked, IP not whitelisted) is never retried."""
    login_backoff_seconds: float = 0.5
    """First wait between login attempts; doubles each time (capped at 10 s)."""

    user_agent: str = "MOSL/V.1.1.0"
    source_id: Literal["WEB", "MOBILE", "DESKTOP"] = "DESKTOP"
    client_local_ip: str = "127.0.0.1"
    client_public_ip: str = "127.0.0.1"
    """Must be the static IP registered on Motilal's portal (MO2035 otherwise)."""
    mac_address: str = "00:00:00:00:00:00"
    os_name: str = "Linux"
    os_version: str = "6.1"
    device_model: str = "server"
    manufacturer: str = "generic"
    product_name: str = "trading-platform"
    product_version: str = "0.1.0"
    installed_app_id: str = "8d4c1f4e-3b0a-4c1e-9f7d-2a9c5e6b7d10"
    imei: str = "000000000000000"
    browser_name: str = "Chrome"
    browser_version: str = "120"
    api_secret: SecretStr | None = None
    """Sent as `apisecretkey` only when set (doc 05 says mandatory; the SDK sends it empty).
    The default for accounts whose `Credentials.api_secret` is not set."""

    @property
    def hosts(self) -> Hosts:
        base = HOSTS[self.environment]
        return Hosts(
            rest=(self.base_url or base.rest).rstrip("/"),
            feed=self.feed_url or base.feed,
            order_stream=self.order_stream_url or base.order_stream,
        )


class Credentials(BaseModel):
    """One account's login secrets. Secret fields never print or log their values."""

    model_config = ConfigDict(frozen=True)

    client_code: str
    password: SecretStr
    api_key: SecretStr
    two_fa: SecretStr
    """Date of birth as dd/mm/yyyy, or PAN in capitals."""
    totp_secret: SecretStr | None = None
    """The 32-character base32 secret from the portal; without it login takes the OTP path."""
    api_secret: SecretStr | None = None
    """This account's app secret (`apisecretkey`); unset, `MotilalSettings.api_secret` is sent."""
