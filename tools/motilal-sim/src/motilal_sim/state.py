"""Everything one simulator process holds, in one object the routes share."""

import random
from collections import Counter, defaultdict
from dataclasses import dataclass, field

from motilal_sim import days, saved_days
from motilal_sim.accounts import Account, load_accounts
from motilal_sim.callers import Callers
from motilal_sim.config import SimSettings
from motilal_sim.engine import Engine
from motilal_sim.faults import FaultConfig, FaultInjector
from motilal_sim.instruments import load_instruments
from motilal_sim.sessions import SessionStore


@dataclass
class SimState:
    settings: SimSettings
    accounts: dict[str, Account]
    engine: Engine
    sessions: SessionStore
    faults: FaultInjector
    otp_rng: random.Random
    failed_logins: Counter[str] = field(default_factory=Counter)
    requests: Counter[str] = field(default_factory=Counter)
    reads: defaultdict[str, Counter[str]] = field(default_factory=lambda: defaultdict(Counter))
    """book and account reads per endpoint and client (what a client's follower costs)"""
    injected: Counter[str] = field(default_factory=Counter)
    callers: Callers = field(default_factory=Callers)
    """the last call per client code and endpoint: peer address and identity headers"""
    walk_paused: bool = False
    base_volatility: float = 0.0

    @classmethod
    def from_settings(cls, settings: SimSettings) -> "SimState":
        accounts = load_accounts(settings.accounts)
        instruments = load_instruments(settings.tokens)
        engine = Engine(settings, accounts, instruments)
        if settings.state_dir is not None:
            saved_days.load(settings.state_dir, engine)
        return cls(
            settings=settings,
            accounts=accounts,
            engine=engine,
            sessions=SessionStore(settings.session_ttl_seconds),
            faults=FaultInjector(FaultConfig.from_settings(settings), settings.seed),
            otp_rng=random.Random(settings.seed),
            walk_paused=settings.tick_interval <= 0,
            base_volatility=settings.volatility,
        )

    def next_day(self, *, expire_sessions: bool = True) -> days.DayEnd:
        """Ends the trading day (days.py); every token dies with it, as at Motilal."""
        report = days.end_day(self.engine)
        if expire_sessions:
            self.sessions.clear()
        if self.settings.state_dir is not None:
            saved_days.save(self.settings.state_dir, self.engine)
        return report

    def reset(self) -> None:
        """Back to the start: accounts, books, prices, sessions, counters and faults."""
        self.accounts.update(load_accounts(self.settings.accounts))
        if self.settings.state_dir is not None:
            saved_days.forget(self.settings.state_dir)
        self.engine.reset()
        self.sessions.clear()
        self.failed_logins.clear()
        self.requests.clear()
        self.reads.clear()
        self.injected.clear()
        self.callers.clear()
        self.faults.config = FaultConfig.from_settings(self.settings)
        self.faults.reseed(self.settings.seed)
        self.faults.take_down(0)
        self.otp_rng = random.Random(self.settings.seed)
        self.settings.volatility = self.base_volatility
        self.walk_paused = self.settings.tick_interval <= 0
