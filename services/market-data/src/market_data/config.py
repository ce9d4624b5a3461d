"""Settings of the market-data service (environment prefix MARKET_DATA_)."""

from pathlib import Path

from common.settings import GATHER_OFF_THE_ORDER_PATH_MS, ServiceSettings, gather_field
from pydantic import Field, SecretStr
from pydantic_settings import SettingsConfigDict

_REPO_DATA = Path(__file__).resolve().parents[4] / "data"


class MarketDataSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="MARKET_DATA_", extra="ignore", populate_by_name=True
    )

    port: int = Field(default=8004, description="HTTP port of the market-data")
    kafka_gather_ms: int = gather_field(GATHER_OFF_THE_ORDER_PATH_MS)

    # ---- token master ------------------------------------------------------------------
    tokens_csv: Path = Field(
        default=_REPO_DATA / "tokens.csv",
        description="the token file loaded at start and by POST /internal/instruments/reload",
    )
    master_refresh_seconds: float = Field(
        default=2.0,
        description="how often a replica checks for a load committed by another replica",
    )

    # ---- quote feed --------------------------------------------------------------------
    feed_enabled: bool = Field(
        default=True, description="connect to Motilal's quote feed (off: REST polling only)"
    )
    feed_client: str | None = Field(
        default=None,
        description="client code the feed logs in with; in dev mode the first demo account",
    )
    feed_password: SecretStr | None = Field(default=None, description="that account's password")
    feed_api_key: SecretStr | None = Field(default=None, description="that account's API key")
    feed_two_fa: SecretStr | None = Field(default=None, description="its DOB (dd/mm/yyyy) or PAN")
    feed_totp_secret: SecretStr | None = Field(default=None, description="its TOTP secret")
    sim_accounts: Path = Field(
        default=_REPO_DATA / "sim-accounts.json",
        description="dev mode only: where the feed account's credentials come from",
    )
    feed_lock_name: str = Field(
        default="quote-feed",
        min_length=1,
        description="the market-data processes on one database that share this name run one "
        "quote feed between them (the others stand by)",
    )
    feed_leader_retry_seconds: float = Field(
        default=2.0,
        gt=0,
        description="one process runs the feed at a time (quotes/leadership.py): how often the "
        "leader checks it still holds the feed lock (a standby takes the lock the moment the "
        "leader's PostgreSQL session ends), and the pause before reconnecting for it",
    )
    feed_max_subscriptions: int = Field(
        default=200,
        description="most scrips subscribed at once (Motilal's getbroadcastmaxlimit; SDK: 200)",
    )
    feed_silence_seconds: float = Field(
        default=30.0,
        description="reconnect when nothing (not even a heartbeat) arrived for this long",
    )
    feed_backoff_initial_seconds: float = Field(default=0.5, description="first reconnect delay")
    feed_backoff_max_seconds: float = Field(default=30.0, description="longest reconnect delay")

    conflate_ms: int = Field(
        default=10,
        ge=0,
        description="conflation window: a token's quote is flushed to Redis and Kafka at most "
        "once per this many milliseconds, with its latest state. The first tick after a quiet "
        "spell goes out at once; later ticks wait at most the rest of the window. Larger "
        "windows cost fewer Kafka and Redis writes under heavy ticking, smaller ones less "
        "latency; 0 flushes as fast as the writes complete",
    )
    quote_ttl_seconds: int = Field(
        default=7 * 24 * 3600,
        description="quote:{exchange}:{token} keys (common.redis_keys) expire when an "
        "instrument has not been quoted for this long",
    )
    poll_interval_seconds: float = Field(
        default=2.0, description="REST LTP polling period per token while the feed is down"
    )
    poll_concurrency: int = Field(default=4, description="LTP calls in flight while polling")
    watch_refresh_seconds: float = Field(
        default=1.0, description="how often the watch set (Redis watch:tokens) is re-read"
    )
