"""Pre-trade risk: each rule denies by name with a reason; missing data is noted, not denied."""

from dataclasses import replace
from decimal import Decimal

import pytest
from common.contracts.accounts import RiskLimits
from common.contracts.instruments import Instrument
from common.enums import Exchange, ExecutionType, OrderType, SessionState, Side, TradeType
from order_router.risk import (
    BrokerSession,
    ClientState,
    KillSwitch,
    OrderIntent,
    RiskConfig,
    RiskContext,
    Rule,
    check,
)
from risk_kit import order_intent, risk_context

NIFTY = Instrument(
    token=35001, exchange=Exchange.NSEFO, symbol="NIFTY26DECFUT", lot_size=5,
    tick_size=Decimal("0.05"),
)  # fmt: skip
CLIENT = ClientState(
    client_id="c1",
    active=True,
    exchanges=frozenset({Exchange.NSE, Exchange.NSEFO}),
    trade_types=frozenset(TradeType),
)
ORDER = order_intent(NIFTY, Decimal("100.05"))
CTX = risk_context(CLIENT, Decimal("100"))
CONFIG = RiskConfig()


def test_risk_order_within_every_rule_is_approved() -> None:
    decision = check(ORDER, CTX, CONFIG)
    assert decision.approved and decision.notes == ()


@pytest.mark.parametrize(
    ("order", "ctx", "rule", "words"),
    [
        (ORDER, replace(CTX, kill_switch=KillSwitch(global_reason="desk halt")), Rule.KILL_SWITCH,
         "global kill switch"),
        (ORDER, replace(CTX, kill_switch=KillSwitch(client_reasons={"c1": "review"})),
         Rule.KILL_SWITCH, "client c1"),
        (ORDER, replace(CTX, client=None), Rule.CLIENT_UNKNOWN, "not in the registry"),
        (ORDER, replace(CTX, client=replace(CLIENT, active=False)), Rule.CLIENT_INACTIVE,
         "inactive"),
        (ORDER, replace(CTX, session=BrokerSession(SessionState.FAILED, "wrong TOTP", "MO1003")),
         Rule.SESSION, "wrong TOTP"),
        (ORDER, replace(CTX, client=replace(CLIENT, exchanges=frozenset({Exchange.NSE}))),
         Rule.EXCHANGE, "may not trade on NSEFO"),
        (ORDER, replace(CTX, client=replace(CLIENT, trade_types=frozenset({TradeType.DELIVERY}))),
         Rule.TRADE_TYPE, "may not trade INTRADAY"),
        (replace(ORDER, quantity=7), CTX, Rule.LOT_SIZE,
         "quantity 7 is not a multiple of lot size 5 for NIFTY26DECFUT"),
        (replace(ORDER, price=Decimal("100.03")), CTX, Rule.TICK_SIZE, "tick size 0.05"),
        (replace(ORDER, price=Decimal("120")), CTX, Rule.PRICE_BAND, "outside the 10% band"),
        (ORDER, replace(CTX, client=replace(CLIENT, limits=RiskLimits(max_order_quantity=5))),
         Rule.MAX_QUANTITY, "limit of 5 shares"),
        (ORDER, replace(CTX, client=replace(CLIENT, limits=RiskLimits(max_order_value=Decimal(
            "500")))), Rule.MAX_VALUE, "order value 1000.50"),
        (ORDER, replace(CTX, available_margin=Decimal("100")), Rule.MARGIN,
         "required margin 200.10"),
    ],
)  # fmt: skip
def test_risk_breaking_a_rule_denies_naming_it(
    order: OrderIntent, ctx: RiskContext, rule: str, words: str
) -> None:
    decision = check(order, ctx, CONFIG)
    assert not decision.approved
    assert decision.rule == rule
    assert words in decision.reason


def test_risk_no_quote_skips_price_band_with_a_note() -> None:
    decision = check(replace(ORDER, price=Decimal("500")), replace(CTX, ltp=None), CONFIG)
    assert decision.approved
    assert any("price band not checked" in n for n in decision.notes)


def test_risk_no_margin_snapshot_skips_margin_with_a_note() -> None:
    decision = check(ORDER, replace(CTX, available_margin=None), CONFIG)
    assert decision.approved
    assert any("no margin snapshot" in n for n in decision.notes)


def test_risk_exit_skips_margin() -> None:
    exit_order = replace(ORDER, execution_type=ExecutionType.EXIT, side=Side.SELL)
    decision = check(exit_order, replace(CTX, available_margin=Decimal("0")), CONFIG)
    assert decision.approved


def test_risk_market_order_uses_ltp_for_value_limit() -> None:
    market = replace(ORDER, order_type=OrderType.MARKET, price=None)
    limits = RiskLimits(max_order_value=Decimal("999"))
    decision = check(market, replace(CTX, client=replace(CLIENT, limits=limits)), CONFIG)
    assert decision.rule == Rule.MAX_VALUE


def test_risk_kill_switch_for_another_client_does_not_deny() -> None:
    ctx = replace(CTX, kill_switch=KillSwitch(client_reasons={"c2": "review"}))
    assert check(ORDER, ctx, CONFIG).approved
