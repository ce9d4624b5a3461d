"""Settings every service shares. Each service subclasses `ServiceSettings` with its prefix.

Shared infrastructure is named without prefix (KAFKA_BOOTSTRAP, POSTGRES_DSN, REDIS_URL);
a service's own settings carry its prefix (GATEWAY_PORT, ORDER_ROUTER_PORT, ...). Defaults
point at the embedded stack that `make run` starts, so a fresh checkout needs no setup.
"""

from pathlib import Path
from typing import Any, Literal, Self

from pydantic import AliasChoices, Field, SecretStr, model_validator
from pydantic_settings import BaseSettings, SettingsConfigDict

from common.trading_days import TradingCalendar, load_calendar

EMBEDDED_KAFKA_PORT = 19092
EMBEDDED_POSTGRES_PORT = 15432
EMBEDDED_REDIS_PORT = 16379


def _shared(name: str) -> AliasChoices:
    return AliasChoices(name)


def split_commas(value: object) -> object:
    """A list setting as the environment writes it: "a, b,c" is ["a", "b", "c"], empty parts
    dropped; a value that is not a string (a default, a list given in code) passes as is.
    Use with NoDecode, so pydantic-settings does not read the variable as JSON first:
    `Annotated[list[str], NoDecode, BeforeValidator(split_commas)]`."""
    if isinstance(value, str):
        return [v.strip() for v in value.split(",") if v.strip()]
    return value


GATHER_OFF_THE_ORDER_PATH_MS = 50
"""The gather window of readers off an order's way to the broker (common.consumer_fetch)."""


def gather_field(default_ms: int) -> Any:
    """KAFKA_GATHER_MS, with the service's default: 0 on an order's way to the broker (the
    gateway, order-router and adapter), GATHER_OFF_THE_ORDER_PATH_MS off it (the portfolio
    and market-data)."""
    return Field(
        default=default_ms,
        ge=0,
        validation_alias=_shared("KAFKA_GATHER_MS"),
        description="a consumer that was just handed records looks for more only this long "
        "after: at most one wake per window while messages keep coming, and with the "
        "doorbell what arrived meanwhile comes as one batch (common.consumer_fetch)",
    )


class ServiceSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    host: str = Field(default="127.0.0.1", description="address the HTTP server binds to")
    port: int = Field(default=8000, description="HTTP port of this service")

    dev_mode: bool = Field(
        default=False,
        validation_alias=_shared("PLATFORM_DEV_MODE"),
        description="embedded development mode: demo secrets are allowed (never in production)",
    )
    log_level: str = Field(default="INFO", validation_alias=_shared("LOG_LEVEL"))

    kafka_bootstrap: str = Field(
        default=f"127.0.0.1:{EMBEDDED_KAFKA_PORT}", validation_alias=_shared("KAFKA_BOOTSTRAP")
    )
    kafka_fetch_max_wait_ms: int = Field(
        default=10,
        validation_alias=_shared("KAFKA_FETCH_MAX_WAIT_MS"),
        description="longest a fetch waits for data while the consumer is busy. Kafka "
        "answers a fetch as soon as data arrives, so there it adds no latency; the embedded "
        "tansu broker answers when the wait ends, so this is its per-hop latency",
    )
    kafka_idle_fetch_max_wait_ms: int = Field(
        default=500,
        validation_alias=_shared("KAFKA_IDLE_FETCH_MAX_WAIT_MS"),
        description="the fetch wait of a consumer that got nothing for "
        "KAFKA_IDLE_AFTER_SECONDS: idle fetches cost tansu CPU per fetch (make bench)",
    )
    kafka_idle_after_seconds: float = Field(
        default=30.0,
        validation_alias=_shared("KAFKA_IDLE_AFTER_SECONDS"),
        description="without the doorbell: a consumer with no records for this long "
        "fetches at the idle wait",
    )
    kafka_doorbell: bool = Field(
        default=False,
        validation_alias=_shared("KAFKA_DOORBELL"),
        description="idle consumers send no fetches and wake on a Redis ring from the "
        "producers (common.doorbell): for the embedded tansu broker, which holds a fetch "
        "for its whole wait; Apache Kafka does not need it",
    )
    kafka_doorbell_backstop_seconds: float = Field(
        default=1.0,
        validation_alias=_shared("KAFKA_DOORBELL_BACKSTOP_SECONDS"),
        description="with the doorbell, an idle consumer looks at least this often (a "
        "ring lost while Redis restarts, a producer that is not ours)",
    )
    kafka_session_timeout_ms: int = Field(
        default=6000,
        validation_alias=_shared("KAFKA_SESSION_TIMEOUT_MS"),
        description="how long a dead consumer holds its partitions before others take them",
    )
    kafka_heartbeat_interval_ms: int = Field(
        default=1000, validation_alias=_shared("KAFKA_HEARTBEAT_INTERVAL_MS")
    )
    kafka_rebalance_timeout_ms: int = Field(
        default=6000, validation_alias=_shared("KAFKA_REBALANCE_TIMEOUT_MS")
    )
    kafka_gather_ms: int = gather_field(0)
    kafka_max_records: int = Field(
        default=500,
        validation_alias=_shared("KAFKA_MAX_RECORDS"),
        description="most messages a consumer takes in one batch (committed together)",
    )

    kafka_security_protocol: Literal["PLAINTEXT", "SSL", "SASL_PLAINTEXT", "SASL_SSL"] = Field(
        default="PLAINTEXT",
        validation_alias=_shared("KAFKA_SECURITY_PROTOCOL"),
        description="how services connect to Kafka: SASL_SSL (Kubernetes and docker-compose: "
        "SCRAM over TLS), PLAINTEXT (the embedded broker)",
    )
    kafka_sasl_mechanism: Literal["SCRAM-SHA-512", "SCRAM-SHA-256", "PLAIN"] = Field(
        default="SCRAM-SHA-512", validation_alias=_shared("KAFKA_SASL_MECHANISM")
    )
    kafka_username: str = Field(
        default="",
        validation_alias=_shared("KAFKA_USERNAME"),
        description="this service's Kafka user (one per service; its ACLs allow only the "
        "topics it writes and reads: common.kafka_access)",
    )
    kafka_password: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=_shared("KAFKA_PASSWORD"),
        description="the Kafka user's password (from the service's secret; never logged)",
    )
    kafka_ca_file: str | None = Field(
        default=None,
        validation_alias=_shared("KAFKA_CA_FILE"),
        description="PEM file of the CA that signed the brokers' certificates (with SSL or "
        "SASL_SSL; unset: the system's trusted CAs)",
    )

    postgres_dsn: str = Field(
        default=f"postgresql://postgres@127.0.0.1:{EMBEDDED_POSTGRES_PORT}/platform",
        validation_alias=_shared("POSTGRES_DSN"),
    )
    postgres_migrations_dsn: SecretStr | None = Field(
        default=None,
        validation_alias=_shared("POSTGRES_MIGRATIONS_DSN"),
        description="the schema owner's DSN, used only to apply the service's migrations at "
        "start; POSTGRES_DSN may then name a role with only the grants the service needs "
        "(the gateway's: no UPDATE/DELETE on the audit log). Unset: POSTGRES_DSN does both",
    )
    postgres_pool_max: int = Field(default=10, validation_alias=_shared("POSTGRES_POOL_MAX"))
    redis_url: str = Field(
        default=f"redis://127.0.0.1:{EMBEDDED_REDIS_PORT}/0", validation_alias=_shared("REDIS_URL")
    )

    internal_api_token: SecretStr = Field(
        default=SecretStr(""),
        validation_alias=_shared("INTERNAL_API_TOKEN"),
        description="the shared secret internal APIs require in X-Internal-Token (one per "
        "deployment; required outside dev mode; common.internal_auth)",
    )

    gateway_url: str = Field(
        default="http://127.0.0.1:8000", validation_alias=_shared("GATEWAY_URL")
    )
    order_router_url: str = Field(
        default="http://127.0.0.1:8001", validation_alias=_shared("ORDER_ROUTER_URL")
    )
    broker_adapter_url: str = Field(
        default="http://127.0.0.1:8002", validation_alias=_shared("BROKER_ADAPTER_URL")
    )
    portfolio_url: str = Field(
        default="http://127.0.0.1:8003", validation_alias=_shared("PORTFOLIO_URL")
    )
    market_data_url: str = Field(
        default="http://127.0.0.1:8004", validation_alias=_shared("MARKET_DATA_URL")
    )

    @model_validator(mode="after")
    def _kafka_credentials(self) -> Self:
        if self.kafka_security_protocol.startswith("SASL") and not (
            self.kafka_username and self.kafka_password.get_secret_value()
        ):
            raise ValueError(
                f"KAFKA_SECURITY_PROTOCOL={self.kafka_security_protocol} needs KAFKA_USERNAME "
                "and KAFKA_PASSWORD (the service's Kafka user)"
            )
        return self


class MarketCalendarSettings(ServiceSettings):
    """The settings of a service that reads the market's hours and trading calendar (the
    order-router's checks, the portfolio's day close). One value for the whole deployment,
    so named without prefix: every service that reads them reads the same hours."""

    market_sessions: str = Field(
        default="",
        validation_alias=_shared("MARKET_SESSIONS"),
        description="IST hours over the defaults, e.g. MCX=09:00-23:55,NSECD=09:00-17:00 "
        "(defaults: NSE/BSE cash and F&O 09:15-15:30, NSECD 09:00-17:00, MCX 09:00-23:30)",
    )
    trading_calendar_file: Path | None = Field(
        default=None,
        validation_alias=_shared("TRADING_CALENDAR_FILE"),
        description="special sessions and extra holidays (default data/trading-calendar.csv)",
    )

    def trading_calendar(self) -> TradingCalendar:
        """The calendar these settings name (common.trading_days.load_calendar)."""
        return load_calendar(self.trading_calendar_file, self.market_sessions)
