"""Settings of the portfolio service (environment prefix PORTFOLIO_)."""

from pathlib import Path

from common.settings import GATHER_OFF_THE_ORDER_PATH_MS, MarketCalendarSettings, gather_field
from pydantic import Field
from pydantic_settings import SettingsConfigDict


class PortfolioSettings(MarketCalendarSettings):
    model_config = SettingsConfigDict(
        env_prefix="PORTFOLIO_", extra="ignore", populate_by_name=True
    )

    port: int = Field(default=8003, description="HTTP port of the portfolio")
    kafka_gather_ms: int = gather_field(GATHER_OFF_THE_ORDER_PATH_MS)
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
    assignment_poll_seconds: float = Field(
        default=1.0,
        gt=0,
        description=(
            "how often the live book looks at its consumer group's assignment of "
            "orders.events.v1 while no fill or quote arrives (it also looks before every "
            "batch): a replica loads the clients of partitions it gained and drops those "
            "of partitions it lost. The look is a set comparison, whatever the clients"
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
    day_report_exchanges: str = Field(
        default="NSE,BSE,NSEFO,BSEFO",
        description="segments whose close ends the trading day for the day-end report "
        "(comma-separated): the day's record is written after the last of them closes",
    )
    day_report_delay_minutes: int = Field(
        default=30,
        ge=0,
        description="minutes after that close before the record is written (late trade "
        "confirmations and the order-router's end-of-day expiry settle first)",
    )
    day_report_poll_seconds: float = Field(
        default=300,
        gt=0,
        description="the longest the day-end writer sleeps between looks (it also wakes when "
        "the next day falls due); a failed write is retried at the next look",
    )
    charges_file: Path | None = Field(
        default=None,
        description="the charge schedule (TOML); default: the repository's data/charges.toml",
    )
