"""The gateway's typed views of the portfolio's answers: they read what the portfolio
wrote and give it back unchanged."""

import json
from datetime import UTC, date, datetime
from decimal import Decimal
from typing import Any

from common.enums import Exchange, PositionStatus, TradeType
from gateway.portfolio_views import DriftReport, HolderView, PositionView, SummaryView
from portfolio.api import DriftOut
from portfolio.views import ClientSummary, FundsOut, HolderOut, PnlOut, PositionOut
from pydantic import BaseModel

NOW = datetime(2026, 11, 30, 4, 0, tzinfo=UTC)


def wire(answer: BaseModel) -> dict[str, Any]:
    """What the gateway reads: the portfolio's answer through JSON."""
    parsed: dict[str, Any] = json.loads(answer.model_dump_json())
    return parsed


def test_portfolio_views_position_reads_typed_fields_and_gives_back_the_answer() -> None:
    answer = wire(
        PositionOut(
            client_id="C1", position_id="p1", token=2885, exchange=Exchange.NSE,
            symbol="RELIANCE", trade_type=TradeType.DELIVERY, net_quantity=10,
            average_price=Decimal("1400.50"), buy_quantity=10, buy_value=Decimal("14005.00"),
            sell_quantity=0, sell_value=Decimal(0), realized_pnl=Decimal(0),
            unrealized_pnl=Decimal("-5.00"), total_pnl=Decimal("-5.00"), last_price=None,
            market_value=Decimal("14000.00"), status=PositionStatus.ACTIVE,
            opening_trade_no="T1", opened_at=NOW, closed_at=None, updated_at=NOW,
        )
    )  # fmt: skip
    view = PositionView.model_validate(answer)
    assert (view.status, view.exchange, view.net_quantity) == (PositionStatus.ACTIVE, "NSE", 10)
    assert view.as_json() == answer
    assert view.as_trade() == {**answer, "trade_id": "p1"}


def test_portfolio_views_summary_with_and_without_funds_gives_back_the_answer() -> None:
    pnl = PnlOut(
        realized_pnl=Decimal("12.50"), unrealized_pnl=Decimal(0), total_pnl=Decimal("12.50"),
        realized_pnl_today=Decimal(0), trading_date=date(2026, 11, 30),
    )  # fmt: skip
    funds = FundsOut(
        available_cash=Decimal("100000"), collateral=Decimal(0), margin_used=Decimal("2500.75"),
        margin_available=Decimal("97499.25"), mtm=Decimal(0), booked_pnl=Decimal(0),
        report="margin", taken_at=NOW,
    )  # fmt: skip
    with_funds = wire(ClientSummary(client_id="C1", funds=funds, pnl=pnl, open_positions=1))
    without = wire(ClientSummary(client_id="C2", funds=None, pnl=pnl, open_positions=0))
    view = SummaryView.model_validate(with_funds)
    assert view.funds is not None and view.funds.margin_available == Decimal("97499.25")
    assert view.as_json() == with_funds
    assert SummaryView.model_validate(without).funds is None
    assert SummaryView.model_validate(without).as_json() == without


def test_portfolio_views_holder_gives_back_the_answer() -> None:
    answer = wire(
        HolderOut(
            client_id="C1", position_id="p1", exchange=Exchange.NSE,
            trade_type=TradeType.INTRADAY, net_quantity=-5, average_price=Decimal("99.95"),
            last_price=Decimal("100"), value=Decimal("-500"), unrealized_pnl=Decimal("-0.25"),
            realized_pnl=Decimal(0), total_pnl=Decimal("-0.25"),
        )
    )  # fmt: skip
    view = HolderView.model_validate(answer)
    assert (view.client_id, view.trade_type, view.net_quantity) == ("C1", "INTRADAY", -5)
    assert view.as_json() == answer


def test_portfolio_views_drift_report_gives_back_the_answer() -> None:
    row = DriftOut(
        client_id="C1", exchange=Exchange.NSE, token=2885, product="DELIVERY",
        trade_type=TradeType.DELIVERY, ours=10, broker=8, snapshots_seen=2, confirmed=True,
        first_seen_at=NOW, last_seen_at=NOW,
    )  # fmt: skip
    report = {
        "confirmations_needed": 2,
        "drift": [row.model_dump(mode="json")],
        "reconciled_at": {"C1": NOW.isoformat()},
    }
    answer = json.loads(json.dumps(report))
    view = DriftReport.model_validate(answer)
    assert view.confirmations_needed == 2 and len(view.drift) == 1
    assert view.as_json() == answer
