"""Simulator settings: every option reads MOTILAL_SIM_<NAME> from the environment, and the
command line overrides it (`python -m motilal_sim --port 8100 --seed 7`)."""

from pathlib import Path

from pydantic_settings import BaseSettings, SettingsConfigDict

_DATA = Path(__file__).resolve().parents[4] / "data"


class SimSettings(BaseSettings):
    model_config = SettingsConfigDict(env_prefix="MOTILAL_SIM_", extra="ignore")

    host: str = "127.0.0.1"
    port: int = 8100
    accounts: Path = _DATA / "sim-accounts.json"
    """JSON list of demo accounts (client_code, password, dob, pan, totp_secret, api_key, funds)."""
    tokens: Path = _DATA / "tokens.csv"
    """Instrument master: the only scrips the simulator knows and trades."""
    state_dir: Path | None = None
    """Folder for what outlives a trading day (funds, holdings, carried positions); each
    restart is then the next day at the same broker. Unset (the default) keeps nothing."""
    seed: int = 42
    """Seeds the price walks, partial fills and fault dice: same seed, same run."""

    tick_interval: float = 1.0
    """Seconds between random-walk steps; 0 pauses the walk (prices move only via /sim/prices)."""
    volatility: float = 0.001
    """Standard deviation of one step, as a fraction of the price."""
    partial_fill_fraction: float = 1.0
    """Share of an order's remaining quantity filled per price event; below 1 gives partials."""

    orders_per_second: int = 10
    """Per client per exchange segment per calendar second (SEBI retail-algo rule)."""
    session_ttl_seconds: float | None = None
    """Token lifetime; unset means the real rule: every token dies at the next 06:00 IST."""
    max_failed_logins: int = 5
    """Wrong passwords before the account locks (MO1100) until /sim/reset."""

    latency_ms: float = 0.0
    latency_jitter_ms: float = 0.0
    fault_timeout: float = 0.0
    """Probability that a REST call hangs for `fault_timeout_seconds` without being processed."""
    fault_timeout_seconds: float = 30.0
    fault_5xx: float = 0.0
    """Probability of an HTTP 503 before processing."""
    fault_lost_response: float = 0.0
    """Probability that a call IS processed (an order placed) but the answer is an HTTP 502."""
    fault_endpoints: str = ""
    """Comma-separated endpoint names the faults apply to (e.g. place_order); blank = all."""

    intraday_margin_rate: float = 0.2
    """VALUEPLUS (intraday) margin as a fraction of order value; delivery needs full value."""
    derivatives_margin_rate: float = 0.15
    feed_heartbeat_seconds: float = 10.0
    feed_split_frames: bool = False
    """Split feed frames at random points, as real frames sometimes are (tests the buffering)."""
