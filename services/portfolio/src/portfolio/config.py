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
            "the conflation window of quote-driven P&L: a client's PnlChanged caused by quotes "
            "goes out at most once per this window, and only when its total P&L moved by at "
            "least a paisa since the figure it last published. Ticks re-mark open positions in "
            "memory only (nothing is written to PostgreSQL per tick). A fill's updates go out at "
            "once, after its batch is committed, and start the client's next window"
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
