"""Where Motilal is and how this platform introduces itself: base URLs, device headers, timeouts.

Every field reads from the environment with the prefix MOTILAL_ (e.g. MOTILAL_ENVIRONMENT=uat).
Per-account secrets are not settings: they live in `Credentials`.
"""

import ipaddress
from typing import Any, Literal
from urllib.parse import urlsplit

from pydantic import BaseModel, ConfigDict, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from motilal.paths import FEED_PATH, ORDER_STREAM_PATH

Environment = Literal["sim", "uat", "live"]


class Hosts(BaseModel):
    model_config = ConfigDict(frozen=True)

    rest: str
    feed: str
    order_stream: str


# Reference A.1. The order stream lives on the REST host; the binary feed has a host of its own.
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

# Motilal's own REST hosts: a MOTILAL_BASE_URL on one of them says which environment it is.
# uatopenapi is the FAQ's and the .NET SDK's name for UAT (reference A.1).
KNOWN_REST_HOSTS: dict[str, Environment] = {
    "openapi.motilaloswal.com": "live",
    "openapi.motilaloswaluat.com": "uat",
    "uatopenapi.motilaloswal.com": "uat",
}


class MotilalSettings(BaseSettings):
    """Connection settings shared by every account this process trades for."""

    model_config = SettingsConfigDict(env_prefix="MOTILAL_", frozen=True, extra="ignore")

    environment: Environment = "sim"
    """Which Motilal: the local simulator, UAT or live. Picks the three URLs below. Unset, a
    MOTILAL_BASE_URL on one of Motilal's hosts names it; otherwise it is the simulator."""
    base_url: str | None = None
    """Overrides the REST base of `environment` (e.g. a simulator on another port)."""
    feed_url: str | None = None
    order_stream_url: str | None = None
    allow_simulator: bool = False
    """Outside PLATFORM_DEV_MODE a process pointed at the simulator refuses to start unless
    this is set: a production deployment must never trade against it by accident."""

    connect_timeout: float = 3.0
    """Seconds to open a connection; a connect failure means nothing was sent."""
    read_timeout: float = 10.0
    """Seconds to wait for an answer; past it an order write is an unknown outcome."""
    max_connections: int = 64
    """Connections (and requests in flight) to Motilal per process; more wait their turn."""
    idle_connection_seconds: float = 4.0
    """An idle pooled connection is closed after this. Keep it below the server's keep-alive
    (5 s for uvicorn, the simulator's server): a place sent on a connection the server is
    closing would be an unknown outcome. Longer against a server that keeps connections
    longer saves a connect (and a TLS handshake) after each quiet spell."""
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

    @model_validator(mode="before")
    @classmethod
    def _environment_of_base_url(cls, data: Any) -> Any:
        """MOTILAL_BASE_URL alone on Motilal's host means that environment, not the simulator
        (whose feed would otherwise be looked for on the REST host)."""
        if not isinstance(data, dict) or not data.get("base_url"):
            return data
        known = known_environment(str(data["base_url"]))
        stated = data.get("environment")
        if known is None:
            return data
        if stated is None:
            return {**data, "environment": known}
        if stated != known:
            raise ValueError(
                f"MOTILAL_BASE_URL={data['base_url']} is Motilal's {known} host but "
                f"MOTILAL_ENVIRONMENT={stated}; make them agree"
            )
        return data

    @property
    def hosts(self) -> Hosts:
        """The three URLs. Explicit MOTILAL_FEED_URL / MOTILAL_ORDER_STREAM_URL win; a simulator
        at MOTILAL_BASE_URL serves both on its REST port; a Motilal REST host carries its own
        order stream; the feed of UAT and live is always the environment's feed host."""
        default = HOSTS[self.environment]
        rest = (self.base_url or default.rest).rstrip("/")
        feed, stream = default.feed, default.order_stream
        if self.base_url and (
            self.environment == "sim" or known_environment(self.base_url) is not None
        ):
            stream = _websocket_on(rest, ORDER_STREAM_PATH)
            if self.environment == "sim":
                feed = _websocket_on(rest, FEED_PATH)
        return Hosts(
            rest=rest,
            feed=self.feed_url or feed,
            order_stream=self.order_stream_url or stream,
        )


def known_environment(url: str) -> Environment | None:
    """The environment of one of Motilal's REST hosts, or None for any other host."""
    return KNOWN_REST_HOSTS.get((urlsplit(url).hostname or "").lower())


def _websocket_on(rest: str, path: str) -> str:
    parts = urlsplit(rest)
    scheme = "wss" if parts.scheme == "https" else "ws"
    return f"{scheme}://{parts.netloc}{path}"


def startup_problems(settings: MotilalSettings, *, dev_mode: bool) -> list[str]:
    """Why this configuration must not run outside development mode (empty when it may).

    Pointed at the simulator, orders would never reach an exchange; with a loopback or
    private public IP, Motilal refuses every login (MO2035, the static-IP rule)."""
    if dev_mode:
        return []
    if settings.environment == "sim":
        if settings.allow_simulator:
            return []
        return [
            f"MOTILAL_ENVIRONMENT is sim (the simulator at {settings.hosts.rest}) and "
            "PLATFORM_DEV_MODE is off: set MOTILAL_ENVIRONMENT=uat or live, or "
            "MOTILAL_ALLOW_SIMULATOR=true if this deployment is meant to trade against "
            "the simulator"
        ]
    problem = _public_ip_problem(settings.client_public_ip)
    return [problem] if problem else []


def _public_ip_problem(value: str) -> str | None:
    try:
        address = ipaddress.ip_address(value.strip())
    except ValueError:
        return f"MOTILAL_CLIENT_PUBLIC_IP={value} is not an IP address"
    if address.is_loopback or address.is_unspecified:
        kind = "a loopback" if address.is_loopback else "an unspecified"
    elif not address.is_global:
        kind = "a private or reserved"
    else:
        return None
    return (
        f"MOTILAL_CLIENT_PUBLIC_IP={value} is {kind} address: set it to the static public "
        "IP registered on Motilal's API portal (Motilal refuses logins from any other)"
    )


def require_startable(service: str, settings: MotilalSettings, *, dev_mode: bool) -> None:
    """Stop the process at start with every problem named, before any login is tried."""
    problems = startup_problems(settings, dev_mode=dev_mode)
    if problems:
        raise SystemExit(f"{service} cannot start: " + "; ".join(problems))


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
