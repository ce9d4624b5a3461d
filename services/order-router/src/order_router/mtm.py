"""MTM limits of a scope and when they are hit (pure, no I/O).

A scope is one client or a group (`group:<name>`). Its day MTM is what the day has made or
lost: the realized P&L booked today plus the unrealized P&L of the open positions, summed
over the group's members for a group. Three limits, each optional, in rupees:
- `mtm_stop_loss`: hit when the day MTM falls to minus this amount or below;
- `mtm_target`: hit when the day MTM reaches this amount or more;
- `mtm_trailing_stop`: hit when the day MTM falls this amount below its peak of the day
  (the peak starts at zero, so before any profit it acts as a stop loss of that amount).
"""

from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from datetime import date
from decimal import Decimal

ZERO = Decimal(0)
GROUP_PREFIX = "group:"


def group_scope(name: str) -> str:
    return f"{GROUP_PREFIX}{name}"


def is_group(scope: str) -> bool:
    return scope.startswith(GROUP_PREFIX)


@dataclass(frozen=True)
class MtmLimits:
    scope: str
    stop_loss: Decimal | None = None
    target: Decimal | None = None
    trailing_stop: Decimal | None = None
    members: tuple[str, ...] = ()
    """A group's clients (empty for a client scope: the client itself)."""

    @property
    def clients(self) -> tuple[str, ...]:
        return self.members if is_group(self.scope) else (self.scope,)

    @property
    def watched(self) -> bool:
        return any(v is not None for v in (self.stop_loss, self.target, self.trailing_stop))


def breach(limits: MtmLimits, mtm: Decimal, peak: Decimal) -> str | None:
    """Which limit `mtm` hits (with `peak`, the day's highest MTM so far), in words."""
    who = _who(limits.scope)
    if limits.stop_loss is not None and mtm <= -limits.stop_loss:
        return f"MTM stop loss hit for {who}: day MTM {mtm:.2f} at or below -{limits.stop_loss}"
    if limits.target is not None and mtm >= limits.target:
        return f"MTM target hit for {who}: day MTM {mtm:.2f} at or above {limits.target}"
    trail = limits.trailing_stop
    if trail is not None and mtm <= peak - trail:
        return (
            f"MTM trailing stop hit for {who}: day MTM {mtm:.2f} fell {peak - mtm:.2f} from "
            f"its peak {peak:.2f} (trail {trail})"
        )
    return None


def _who(scope: str) -> str:
    return f"group {scope[len(GROUP_PREFIX) :]}" if is_group(scope) else f"client {scope}"


@dataclass
class MtmBoard:
    """Each client's latest day MTM and each scope's peak of the day (pure)."""

    day: date | None = None
    _mtm: dict[str, Decimal] = field(default_factory=dict)
    _peaks: dict[str, Decimal] = field(default_factory=dict)

    def start_day(self, day: date) -> None:
        """A new trading date: yesterday's figures and peaks no longer count."""
        if day != self.day:
            self.day = day
            self._mtm.clear()
            self._peaks.clear()

    def put(self, client_id: str, mtm: Decimal) -> None:
        self._mtm[client_id] = mtm

    def mtm(self, clients: Iterable[str]) -> Decimal:
        """The sum of the clients' day MTM (a client not heard of today counts zero)."""
        return sum((self._mtm.get(c, ZERO) for c in clients), ZERO)

    def check(self, limits: MtmLimits) -> tuple[Decimal, Decimal, str | None]:
        """(day MTM, peak, the breach if any) of a scope now; the peak follows the MTM."""
        mtm = self.mtm(limits.clients)
        peak = max(self._peaks.get(limits.scope, ZERO), mtm)
        self._peaks[limits.scope] = peak
        return mtm, peak, breach(limits, mtm, peak)

    def peak(self, scope: str) -> Decimal:
        return self._peaks.get(scope, ZERO)


def watched_clients(limits: Iterable[MtmLimits]) -> frozenset[str]:
    """Every client some watched scope (its own or a group's) needs the MTM of."""
    return frozenset(c for lim in limits if lim.watched for c in lim.clients)


def scopes_of(clients: Iterable[str], limits: Mapping[str, MtmLimits]) -> list[MtmLimits]:
    """The watched scopes whose MTM the clients move: their own and their groups'."""
    moved = set(clients)
    return [lim for lim in limits.values() if lim.watched and moved.intersection(lim.clients)]
