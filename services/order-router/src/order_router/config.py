"""Settings of the order-router service (environment prefix ORDER_ROUTER_)."""

from datetime import time
from decimal import Decimal

from common.settings import MarketCalendarSettings
from pydantic import AliasChoices, Field
from pydantic_settings import SettingsConfigDict


class OrderRouterSettings(MarketCalendarSettings):
    model_config = SettingsConfigDict(
        env_prefix="ORDER_ROUTER_", extra="ignore", populate_by_name=True
    )

    port: int = Field(default=8001, description="HTTP port of the order-router")
    price_band_percent: Decimal = Field(
        default=Decimal("10"),
        gt=0,
        description="a LIMIT price or trigger further than this % from LTP is denied (price_band)",
    )
    margin_rate_intraday: Decimal = Field(
        default=Decimal("0.2"), gt=0, description="share of notional blocked by an INTRADAY order"
    )
    margin_rate_delivery: Decimal = Field(
        default=Decimal("1"), gt=0, description="share of notional blocked by a DELIVERY order"
    )
    margin_rate_mtf: Decimal = Field(
        default=Decimal("0.5"), gt=0, description="share of notional blocked by an MTF order"
    )
    instrument_cache_seconds: float = Field(
        default=3600, description="how long an instrument from market-data is kept in memory"
    )
    lookup_attempts: int = Field(
        default=5, ge=1, description="tries of a market-data or portfolio lookup before denying"
    )
    expire_at_ist: time = Field(
        default=time(15, 45),
        description="IST time of day after which the day's open orders become EXPIRED",
    )
    expiry_check_seconds: float = Field(
        default=60, description="how often the end-of-day expiry looks for open orders"
    )
    market_hours_enforced: bool = Field(
        default=True,
        validation_alias=AliasChoices("MARKET_HOURS_ENFORCED"),
        description="deny an order outside its segment's session (rule market_closed) unless "
        "it is an AMO; the embedded stack (make run, tests, bench) sets it false so it works "
        "at any hour",
    )
    square_off_times: str = Field(
        default="",
        validation_alias=AliasChoices("SQUARE_OFF_TIMES"),
        description="IST square-off times over the defaults, e.g. NSE=15:10,MCX=23:15 "
        "(defaults: NSE/BSE cash and F&O 15:15, NSECD 16:45, MCX 23:00); a client's own "
        "time is set with its limits",
    )
    square_off_enforced: bool | None = Field(
        default=None,
        validation_alias=AliasChoices("SQUARE_OFF_ENFORCED"),
        description="run the timed square-off and deny INTRADAY orders after it "
        "(square_off_time); default: as MARKET_HOURS_ENFORCED (off on the embedded stack)",
    )
    square_off_check_seconds: float = Field(
        default=15, gt=0, description="how often the square-off pass looks at the clock"
    )
    risk_refresh_seconds: float = Field(
        default=1.0,
        gt=0,
        description="how stale the MTM limits and square-off times read from PostgreSQL may "
        "be (another replica's change is seen within this; blocks are read at each decision)",
    )
