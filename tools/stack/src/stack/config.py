"""What the launcher starts and where: every port can be moved by environment variable.

Where POSTGRES_DSN, REDIS_URL or KAFKA_BOOTSTRAP are set, those servers are used and no
embedded one is started for them.
"""

from pathlib import Path

from common.settings import EMBEDDED_KAFKA_PORT, EMBEDDED_POSTGRES_PORT, EMBEDDED_REDIS_PORT
from pydantic import AliasChoices, Field
from pydantic_settings import BaseSettings, SettingsConfigDict


def _env(name: str) -> AliasChoices:
    return AliasChoices(name)


class StackSettings(BaseSettings):
    model_config = SettingsConfigDict(extra="ignore", populate_by_name=True)

    state_dir: Path = Field(default=Path(".state"), validation_alias=_env("STATE_DIR"))
    host: str = Field(default="127.0.0.1", validation_alias=_env("STACK_HOST"))

    postgres_dsn: str | None = Field(default=None, validation_alias=_env("POSTGRES_DSN"))
    redis_url: str | None = Field(default=None, validation_alias=_env("REDIS_URL"))
    kafka_bootstrap: str | None = Field(default=None, validation_alias=_env("KAFKA_BOOTSTRAP"))

    postgres_port: int = Field(
        default=EMBEDDED_POSTGRES_PORT, validation_alias=_env("EMBEDDED_POSTGRES_PORT")
    )
    redis_port: int = Field(
        default=EMBEDDED_REDIS_PORT, validation_alias=_env("EMBEDDED_REDIS_PORT")
    )
    kafka_port: int = Field(
        default=EMBEDDED_KAFKA_PORT, validation_alias=_env("EMBEDDED_KAFKA_PORT")
    )

    gateway_port: int = Field(default=8000, validation_alias=_env("GATEWAY_PORT"))
    order_router_port: int = Field(default=8001, validation_alias=_env("ORDER_ROUTER_PORT"))
    broker_adapter_port: int = Field(default=8002, validation_alias=_env("BROKER_ADAPTER_PORT"))
    portfolio_port: int = Field(default=8003, validation_alias=_env("PORTFOLIO_PORT"))
    market_data_port: int = Field(default=8004, validation_alias=_env("MARKET_DATA_PORT"))
    simulator_port: int = Field(default=8100, validation_alias=_env("MOTILAL_SIM_PORT"))

    replicas: str = Field(
        default="",
        validation_alias=_env("STACK_REPLICAS"),
        description="processes per service, e.g. order-router=2,portfolio=2 (stack.replicas)",
    )

    ready_timeout_s: float = Field(default=90.0, validation_alias=_env("STACK_READY_TIMEOUT"))
