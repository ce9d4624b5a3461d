"""Margin held by orders in flight: risk takes it off the reported margin, and the holds
counted while a set of requests is decided make the second of two orders that together
exceed the margin a denial (the store side runs in tests/integration/stack)."""

from dataclasses import replace
from decimal import Decimal

from common.contracts.instruments import Instrument
from common.enums import Exchange, ExecutionType, Side, TradeType
from order_router.client_locks import SLOTS, slot
from order_router.risk import ClientState, RiskConfig, Rule, check, margin_required
from risk_kit import order_intent, risk_context

SBIN = Instrument(
    token=3045, exchange=Exchange.NSE, symbol="SBIN", lot_size=1, tick_size=Decimal("0.05")
)
CLIENT = ClientState(
    client_id="c1",
    active=True,
    exchanges=frozenset({Exchange.NSE}),
    trade_types=frozenset(TradeType),
)
CONFIG = RiskConfig()
ORDER = order_intent(SBIN, Decimal("100"))  # 10 at 100 intraday: 200.00 of margin
CTX = replace(risk_context(CLIENT, Decimal("100")), available_margin=Decimal("300"))


def test_margin_required_is_what_the_margin_rule_counts() -> None:
    assert margin_required(ORDER, Decimal("100"), CONFIG) == Decimal("200.0")


def test_margin_required_none_for_an_exit_or_a_delivery_sell() -> None:
    exit_order = replace(ORDER, execution_type=ExecutionType.EXIT, side=Side.SELL)
    delivery_sell = replace(ORDER, side=Side.SELL, trade_type=TradeType.DELIVERY)
    assert margin_required(exit_order, None, CONFIG) is None
    assert margin_required(delivery_sell, None, CONFIG) is None


def test_risk_without_holds_approves_within_the_reported_margin() -> None:
    assert check(ORDER, CTX, CONFIG).approved


def test_risk_held_margin_denies_what_the_report_alone_would_pass() -> None:
    decision = check(ORDER, replace(CTX, held_margin=Decimal("200")), CONFIG)
    assert decision.rule == Rule.MARGIN
    assert "available margin 100.00" in decision.reason
    assert "200.00 of the reported 300.00 is held by orders in flight" in decision.reason


def test_client_lock_slot_is_stable_and_in_range() -> None:
    assert slot("C1") == slot("C1")
    assert all(0 <= slot(f"CLIENT{i}") < SLOTS for i in range(500))
    assert len({slot(f"CLIENT{i}") for i in range(500)}) > 350  # spread (about 395 expected)
