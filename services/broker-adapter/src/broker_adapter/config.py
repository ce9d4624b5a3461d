"""Settings of the broker-adapter service (environment prefix BROKER_ADAPTER_)."""

from datetime import time
from decimal import Decimal
from pathlib import Path
from typing import Annotated, Self

from common.settings import ServiceSettings, split_commas
from pydantic import BeforeValidator, Field, SecretStr, model_validator
from pydantic_settings import NoDecode, SettingsConfigDict

from broker_adapter.egress import DEFAULT_POOL, EgressPools

_POOL_NAME = r"^[a-z0-9]([a-z0-9-]{0,38}[a-z0-9])?$"  # the gateway's, for egress_pool

_DEMO_ACCOUNTS = Path(__file__).resolve().parents[4] / "data" / "sim-accounts.json"


class BrokerAdapterSettings(ServiceSettings):
    model_config = SettingsConfigDict(
        env_prefix="BROKER_ADAPTER_", extra="ignore", populate_by_name=True
    )

    port: int = Field(default=8002, description="HTTP port of the broker-adapter")

    # ---- egress pools (egress.py) ----------------------------------------------------------
    egress_pool: str | None = Field(
        default=None,
        pattern=_POOL_NAME,
        description="the egress pool this adapter serves (BROKER_ADAPTER_EGRESS_POOL): only "
        "clients whose network_identity.egress_pool names it, `default` for clients without "
        "one. Unset: one Deployment serves every client (no pools)",
    )
    egress_pools: Annotated[tuple[str, ...], NoDecode, BeforeValidator(split_commas)] = Field(
        default=(),
        description="every pool deployed (BROKER_ADAPTER_EGRESS_POOLS, comma-separated, the "
        "same on every pool); the default pool refuses the commands of a client naming "
        "another. Required with egress_pool, and must hold it and `default`",
    )

    # ---- execution -------------------------------------------------------------------------
    market_protection_percent: Decimal = Field(
        default=Decimal("0.5"),
        ge=0,
        le=20,
        description="MARKET orders go out as LIMIT at LTP plus (buy) or minus (sell) this "
        "percentage, rounded to the tick away from the LTP; STOPLOSS_MARKET gets the same "
        "protection around its trigger",
    )
    quote_max_age_seconds: float = Field(
        default=5.0,
        description="a Redis quote older than this is not trusted for protection; the "
        "client's getltpdata is asked instead",
    )
    client_orders_per_second: float = Field(
        default=10.0,
        gt=0,
        description="order writes (place/modify/cancel) per client per exchange segment per "
        "second: Motilal's limit without an algo id is 10",
    )
    global_orders_per_second: float = Field(
        default=5000.0,
        gt=0,
        description="order writes per second for the whole adapter, across all clients: a "
        "safety valve above Motilal's per-client limits (Motilal sets no global one)",
    )
    poll_interval_seconds: float = Field(
        default=1.0,
        gt=0,
        description="how often the books of a client with open orders are read while its "
        "order/trade stream is down or switched off",
    )
    stream_poll_interval_seconds: float = Field(
        default=30.0,
        gt=0,
        description="while a client's stream is up, its books are read this long after its "
        "last read as a safety net (doubling while nothing new is found)",
    )
    stream_poll_max_interval_seconds: float = Field(
        default=600.0,
        gt=0,
        description="the longest gap between safety-net reads of a client with open orders",
    )
    poll_concurrency: int = Field(
        default=32, gt=0, description="clients whose books are read at the same time"
    )
    order_stream: bool = Field(
        default=True,
        description="follow orders on Motilal's order/trade WebSocket (one per logged-in "
        "client); off, orders are followed by reading the books every poll interval",
    )
    unknown_outcome_checks: int = Field(
        default=3,
        ge=1,
        description="order-book reads, one `unknown_outcome_delay_seconds` apart, before an "
        "order whose placement outcome was lost is considered absent and placed again",
    )
    unknown_outcome_delay_seconds: float = Field(default=1.0, ge=0)
    session_wait_seconds: float = Field(
        default=120.0,
        description="how long a command waits for a client's session that is logging in "
        "before the order is rejected with error_code SESSION",
    )
    command_lease_seconds: float = Field(
        default=10.0,
        gt=0,
        description="how long a replica's claim on its unfinished commands lasts without "
        "renewal (renewed every third of it); a dead replica's commands are run by another "
        "this long after it stopped",
    )
    command_max_attempts: int = Field(
        default=5,
        ge=1,
        description="tries of a command that fails for an unexpected reason before it is "
        "given up (a place is then rejected with error_code ADAPTER)",
    )
    # ---- account snapshots: positions and margins at the broker ---------------------------
    accounts_after_fill_delay_seconds: float = Field(
        default=1.0,
        ge=0,
        description="a client's positions and margins are read this long after its first "
        "fill in a burst (more fills in that time make one read)",
    )
    accounts_sweep_seconds: float = Field(
        default=600.0,
        gt=0,
        description="every known client's positions and margins are read once in this "
        "period, one client at a time, evenly spread (a safety net, not the main path)",
    )
    accounts_poll_concurrency: int = Field(
        default=16, gt=0, description="reads of positions and margins at once (on demand)"
    )

    dev_accounts_file: Path = Field(
        default=_DEMO_ACCOUNTS,
        description="dev mode only: simulator demo accounts used to log a client in when the "
        "client registry has no session for it (client_id = the account's client_code)",
    )

    # ---- broker sessions -------------------------------------------------------------------
    credentials_private_key: SecretStr | None = Field(
        default=None,
        description="base64 X25519 private key (BROKER_ADAPTER_CREDENTIALS_PRIVATE_KEY) that "
        "opens the client credentials the gateway sealed; only this service holds it",
    )
    registry_verify_key: str | None = Field(
        default=None,
        description="base64 Ed25519 public key (BROKER_ADAPTER_REGISTRY_VERIFY_KEY) of the "
        "gateway's registry signing key: accounts.clients.v1 messages without a valid "
        "signature are refused. Required outside dev mode",
    )
    session_relogin_time: time = Field(
        default=time(8, 30),
        description="IST time of the daily re-login of every active client (tokens die at "
        "06:00 IST; Motilal recommends logging in between 08:30 and 08:55)",
    )
    session_daily_relogin: bool = Field(
        default=True, description="run the daily re-login (one replica does it, by Redis lock)"
    )
    session_login_on_register: bool = Field(
        default=True,
        description="log a client in as soon as it is registered or its credentials change, "
        "so a wrong password shows up at once instead of at the first order",
    )
    session_login_concurrency: int = Field(
        default=16, gt=0, description="logins in flight at once (start-up, daily re-login)"
    )
    session_login_lock_seconds: float = Field(
        default=60.0,
        gt=0,
        description="longest one login may hold the cross-replica Redis lock of its client",
    )
    session_otp_wait_seconds: int = Field(
        default=600,
        gt=0,
        description="how long an unverified token waiting for its OTP is kept",
    )

    @model_validator(mode="after")
    def _pools_agree(self) -> Self:
        pools = self.egress_pools
        if self.egress_pool is None and pools:
            raise ValueError(
                f"egress_pools is {','.join(pools)} but egress_pool is unset: this adapter "
                "would serve every client, the pools' too; set BROKER_ADAPTER_EGRESS_POOL"
            )
        if self.egress_pool is not None and not {self.egress_pool, DEFAULT_POOL} <= set(pools):
            raise ValueError(
                f"egress_pools must list this adapter's pool {self.egress_pool!r} and "
                f"{DEFAULT_POOL!r} (clients without a pool), got {','.join(pools) or 'nothing'}"
            )
        return self

    @property
    def egress(self) -> EgressPools:
        """Which clients this adapter serves (egress.py)."""
        return EgressPools.of(self.egress_pool, self.egress_pools)
