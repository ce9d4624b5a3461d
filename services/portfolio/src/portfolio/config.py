"""Settings of the portfolio service (environment prefix PORTFOLIO_)."""

from common.settings import ServiceSettings
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class PortfolioSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="PORTFOLIO_", extra="ignore", populate_by_name=True
    )

    port: int = Field(default=8003, description="HTTP port of the portfolio")
    pnl_publish_interval_ms: int = Field(
        default=1000,
        ge=50,
        description=(
            "quote-driven P&L updates are published at most once per this interval per "
            "position and client, so a tick storm does not flood portfolio.updates.v1"
        ),
    )
    drift_confirmations: int = Field(
        default=2,
        ge=1,
        description=(
            "broker snapshots that must show the same mismatch before it counts as drift in "
            "the metric (a fill in flight makes one snapshot differ for a moment)"
        ),
    )
    list_limit: int = Field(default=1000, ge=1, description="most positions one list returns")
