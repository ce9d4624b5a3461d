"""Pre-trade risk (DESIGN invariant 6): every rule an order must pass before it leaves us.

Pure: the caller gathers the facts (client copy, session state, margin, quote, kill switch)
into a `RiskContext`, and `check` returns a `Decision`. A denial names its rule and says
why in words; a rule that cannot run for lack of data is skipped and says so in `notes`,
which are stored on the order so an operator can see what was and was not checked.
"""

from collections.abc import Callable, Mapping
from dataclasses import dataclass, field
from decimal import Decimal

from common.contracts.accounts import RiskLimits
from common.contracts.instruments import Instrument
from common.enums import Exchange, ExecutionType, OrderType, SessionState, Side, TradeType

from order_router.market_hours import MarketHours


class Rule:
    """Rule names as they appear in denials (`OrderDenied.rule`)."""

    KILL_SWITCH = "kill_switch"
    CLIENT_UNKNOWN = "client_unknown"
    CLIENT_INACTIVE = "client_active"
    SESSION = "broker_session"
    EXCHANGE = "client_exchange"
    TRADE_TYPE = "client_trade_type"
    INSTRUMENT = "instrument"
    LOT_SIZE = "lot_size"
    TICK_SIZE = "tick_size"
    PRICE_BAND = "price_band"
    MAX_QUANTITY = "max_order_quantity"
    MAX_VALUE = "max_order_value"
    MARGIN = "margin"
    EXIT_POSITION = "exit_position"
    MARKET_CLOSED = "market_closed"
    MTM_LIMIT = "mtm_limit"  # a day's MTM limit was hit (risk_blocks.py)
    SQUARE_OFF_TIME = "square_off_time"  # INTRADAY after the square-off time (risk_blocks.py)


@dataclass(frozen=True)
class ClientState:
    """The router's own copy of a client from `accounts.clients.v1`."""

    client_id: str
    active: bool
    exchanges: frozenset[Exchange]
    trade_types: frozenset[TradeType]
    limits: RiskLimits = field(default_factory=RiskLimits)


@dataclass(frozen=True)
class BrokerSession:
    """What the router knows of a client's broker session (accounts.sessions.v1)."""

    state: SessionState
    reason: str | None = None
    error_code: str | None = None


@dataclass(frozen=True)
class KillSwitch:
    """Engaged scopes: the global one (if engaged) and the per-client ones, with reasons."""

    global_reason: str | None = None
    client_reasons: Mapping[str, str] = field(default_factory=dict)

    def reason_for(self, client_id: str) -> str | None:
        if self.global_reason is not None:
            return f"the global kill switch is engaged: {self.global_reason}"
        reason = self.client_reasons.get(client_id)
        if reason is not None:
            return f"the kill switch for client {client_id} is engaged: {reason}"
        return None


@dataclass(frozen=True)
class OrderIntent:
    """One order as risk sees it: side and quantity already resolved (EXIT included)."""

    client_id: str
    instrument: Instrument
    execution_type: ExecutionType
    side: Side
    order_type: OrderType
    trade_type: TradeType
    quantity: int
    price: Decimal | None = None
    trigger_price: Decimal | None = None
    amo: bool = False
    """An after-market order: the operator asked Motilal to queue it for the next open."""


@dataclass(frozen=True)
class RiskContext:
    client: ClientState | None
    session: BrokerSession | None
    kill_switch: KillSwitch
    ltp: Decimal | None
    available_margin: Decimal | None
    held_margin: Decimal = Decimal(0)
    """Margin held by this client's approved orders that the margin report does not show
    yet (margin_holds.py); taken off the available margin."""


@dataclass(frozen=True)
class RiskConfig:
    price_band_percent: Decimal = Decimal("10")
    margin_rates: Mapping[TradeType, Decimal] = field(
        default_factory=lambda: {
            TradeType.INTRADAY: Decimal("0.2"),
            TradeType.DELIVERY: Decimal("1"),
            TradeType.MTF: Decimal("0.5"),
        }
    )
    market_hours: MarketHours | None = None
    """The calendar and clock of the `market_closed` rule; None: not enforced."""


@dataclass(frozen=True)
class RuleCheck:
    """One rule's outcome on one order: passed, skipped (for lack of data, `reason` says
    what was missing), failed (`reason` names the denying rule and why) or not_checked
    (an earlier rule denied the order). The order preview shows them."""

    check: str
    outcome: str
    reason: str | None = None

    def as_json(self) -> dict[str, str | None]:
        return {"check": self.check, "outcome": self.outcome, "reason": self.reason}


@dataclass(frozen=True)
class Decision:
    rule: str | None = None
    reason: str = ""
    notes: tuple[str, ...] = ()
    checks: tuple[RuleCheck, ...] = ()

    @property
    def approved(self) -> bool:
        return self.rule is None


class _Denied(Exception):
    def __init__(self, rule: str, reason: str) -> None:
        self.rule = rule
        self.reason = reason


def check(order: OrderIntent, ctx: RiskContext, config: RiskConfig) -> Decision:
    """Run every rule in order; the first failing rule denies the order. Each rule's
    outcome is kept (`Decision.checks`): passed, skipped with its note, failed, or not
    checked after a denial."""
    notes: list[str] = []
    known: dict[str, ClientState] = {}
    steps: tuple[tuple[str, Callable[[], object]], ...] = (
        ("kill_switch", lambda: _kill_switch(order, ctx)),
        ("client", lambda: known.setdefault("client", _client(order, ctx))),
        ("broker_session", lambda: _session(order, ctx)),
        ("market_hours", lambda: _market_hours(order, config)),
        ("permissions", lambda: _permissions(order, known["client"])),
        ("lot_and_tick", lambda: _lot_and_tick(order)),
        ("price_band", lambda: _price_band(order, ctx, config, notes)),
        ("limits", lambda: _limits(order, known["client"], ctx, notes)),
        ("margin", lambda: _margin(order, ctx, config, notes)),
    )
    checks: list[RuleCheck] = []
    for n, (name, step) in enumerate(steps):
        before = len(notes)
        try:
            step()
        except _Denied as denial:
            checks.append(RuleCheck(name, "failed", f"{denial.rule}: {denial.reason}"))
            checks += [RuleCheck(later, "not_checked") for later, _ in steps[n + 1 :]]
            return Decision(denial.rule, denial.reason, tuple(notes), tuple(checks))
        skipped = notes[before:]
        checks.append(RuleCheck(name, "skipped", "; ".join(skipped)) if skipped else
                      RuleCheck(name, "passed"))  # fmt: skip
    return Decision(notes=tuple(notes), checks=tuple(checks))


def reference_price(order: OrderIntent, ltp: Decimal | None) -> Decimal | None:
    """The price an order is expected to trade at: its limit, else the trigger, else LTP."""
    if order.price is not None:
        return order.price
    if order.trigger_price is not None:
        return order.trigger_price
    return ltp


def _kill_switch(order: OrderIntent, ctx: RiskContext) -> None:
    reason = ctx.kill_switch.reason_for(order.client_id)
    if reason is not None:
        raise _Denied(Rule.KILL_SWITCH, reason)


def _client(order: OrderIntent, ctx: RiskContext) -> ClientState:
    if ctx.client is None:
        raise _Denied(
            Rule.CLIENT_UNKNOWN, f"client {order.client_id} is not in the registry (not found)"
        )
    if not ctx.client.active:
        raise _Denied(Rule.CLIENT_INACTIVE, f"client {order.client_id} is inactive")
    return ctx.client


def _session(order: OrderIntent, ctx: RiskContext) -> None:
    if ctx.session is not None and ctx.session.state is SessionState.FAILED:
        code = f" ({ctx.session.error_code})" if ctx.session.error_code else ""
        why = ctx.session.reason or "the last login failed"
        raise _Denied(
            Rule.SESSION, f"broker session of client {order.client_id} failed{code}: {why}"
        )


def _market_hours(order: OrderIntent, config: RiskConfig) -> None:
    if config.market_hours is None:
        return
    reason = config.market_hours.closed_reason(order.instrument.exchange, order.amo)
    if reason is not None:
        raise _Denied(Rule.MARKET_CLOSED, reason)


def _permissions(order: OrderIntent, client: ClientState) -> None:
    exchange = order.instrument.exchange
    if exchange not in client.exchanges:
        allowed = ", ".join(sorted(client.exchanges)) or "none"
        raise _Denied(
            Rule.EXCHANGE,
            f"client {client.client_id} may not trade on {exchange} (allowed: {allowed})",
        )
    if order.trade_type not in client.trade_types:
        allowed = ", ".join(sorted(client.trade_types)) or "none"
        raise _Denied(
            Rule.TRADE_TYPE,
            f"client {client.client_id} may not trade {order.trade_type} (allowed: {allowed})",
        )


def _lot_and_tick(order: OrderIntent) -> None:
    inst = order.instrument
    if order.quantity <= 0 or order.quantity % inst.lot_size:
        raise _Denied(
            Rule.LOT_SIZE,
            f"quantity {order.quantity} is not a multiple of lot size {inst.lot_size} "
            f"for {inst.symbol}",
        )
    for name, price in (("price", order.price), ("trigger_price", order.trigger_price)):
        if price is not None and price % inst.tick_size:
            raise _Denied(
                Rule.TICK_SIZE,
                f"{name} {price} is not a multiple of tick size {inst.tick_size} for {inst.symbol}",
            )


def _price_band(order: OrderIntent, ctx: RiskContext, config: RiskConfig, notes: list[str]) -> None:
    candidates = (("price", order.price), ("trigger_price", order.trigger_price))
    priced = [(name, p) for name, p in candidates if p is not None]
    if not priced:
        return
    if ctx.ltp is None or ctx.ltp <= 0:
        notes.append("price band not checked: no quote for this token yet")
        return
    band = config.price_band_percent
    low = ctx.ltp * (1 - band / 100)
    high = ctx.ltp * (1 + band / 100)
    for name, price in priced:
        if not low <= price <= high:
            raise _Denied(
                Rule.PRICE_BAND,
                f"{name} {price} is outside the {band}% band around LTP {ctx.ltp} "
                f"({low:.2f} to {high:.2f})",
            )


def _limits(order: OrderIntent, client: ClientState, ctx: RiskContext, notes: list[str]) -> None:
    limits = client.limits
    if limits.max_order_quantity is not None and order.quantity > limits.max_order_quantity:
        raise _Denied(
            Rule.MAX_QUANTITY,
            f"quantity {order.quantity} is above client {client.client_id}'s limit of "
            f"{limits.max_order_quantity} shares per order",
        )
    if limits.max_order_value is None:
        return
    price = reference_price(order, ctx.ltp)
    if price is None:
        notes.append("order value limit not checked: no price and no quote")
        return
    value = price * order.quantity
    if value > limits.max_order_value:
        raise _Denied(
            Rule.MAX_VALUE,
            f"order value {value:.2f} is above client {client.client_id}'s limit of "
            f"{limits.max_order_value} per order",
        )


def _margin(order: OrderIntent, ctx: RiskContext, config: RiskConfig, notes: list[str]) -> None:
    if order.execution_type is ExecutionType.EXIT:
        notes.append("margin not checked: an EXIT closes a position")
        return
    if order.side is Side.SELL and order.trade_type is TradeType.DELIVERY:
        notes.append("margin not checked: a DELIVERY sell is paid for by holdings")
        return
    if ctx.available_margin is None:
        notes.append("margin not checked: no margin snapshot for this client yet")
        return
    price = reference_price(order, ctx.ltp)
    if price is None:
        notes.append("margin not checked: no price and no quote")
        return
    required = price * order.quantity * margin_rate(order, config)
    available = ctx.available_margin - ctx.held_margin
    if required > available:
        held = (
            f" ({ctx.held_margin:.2f} of the reported {ctx.available_margin:.2f} is held by "
            "orders in flight)"
            if ctx.held_margin
            else ""
        )
        raise _Denied(
            Rule.MARGIN,
            f"required margin {required:.2f} is above the available margin {available:.2f}{held}",
        )


def margin_rate(order: OrderIntent, config: RiskConfig) -> Decimal:
    return config.margin_rates.get(order.trade_type, Decimal("1"))


def margin_required(order: OrderIntent, ltp: Decimal | None, config: RiskConfig) -> Decimal | None:
    """The margin an approved order blocks at the broker, as the margin rule counts it;
    None when the rule counts none (an EXIT, a DELIVERY sell, no price and no quote)."""
    if order.execution_type is ExecutionType.EXIT:
        return None
    if order.side is Side.SELL and order.trade_type is TradeType.DELIVERY:
        return None
    price = reference_price(order, ltp)
    return None if price is None else price * order.quantity * margin_rate(order, config)
