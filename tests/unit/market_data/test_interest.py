"""What the feed subscribes to: priorities, the limit, and interest from events."""

from datetime import UTC, datetime
from decimal import Decimal

from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderAccepted, OrderFilled, OrderSubmitted
from common.contracts.portfolio import PositionChanged
from common.enums import Exchange, OrderType, Side, TradeType
from common.redis_keys import parse_instrument as parse_member
from market_data.quotes.handlers import order_changes, position_changes
from market_data.quotes.interest import select

NSE, BSE = Exchange.NSE, Exchange.BSE
SBIN = Instrument(token=3045, exchange=NSE, symbol="SBIN", lot_size=1, tick_size=Decimal("0.05"))
ENVELOPE = {"correlation_id": "b1", "actor": "tester"}


def test_select_orders_positions_then_orders_then_watched_and_dedupes() -> None:
    chosen = select([(NSE, 1)], [(NSE, 2), (NSE, 1)], [(NSE, 3), (BSE, 1)], limit=10).chosen
    assert chosen == [(NSE, 1), (NSE, 2), (NSE, 3), (BSE, 1)]


def test_select_over_limit_leaves_out_watched_first() -> None:
    selection = select([(NSE, 1)], [(NSE, 2)], [(NSE, 3), (NSE, 4)], limit=3)
    assert selection.chosen == [(NSE, 1), (NSE, 2), (NSE, 3)]
    assert selection.left_out == [(NSE, 4)]


def test_order_events_open_on_submit_and_close_at_the_end() -> None:
    submitted = OrderSubmitted(
        order_id="o1", client_id="C1", batch_id="b1", instrument=SBIN, side=Side.BUY,
        order_type=OrderType.LIMIT, trade_type=TradeType.INTRADAY, quantity=1,
        price=Decimal("800"), **ENVELOPE,
    )  # fmt: skip
    accepted = OrderAccepted(
        order_id="o1", client_id="C1", broker_order_id="X", sent_order_type=OrderType.LIMIT,
        **ENVELOPE,
    )  # fmt: skip
    filled = OrderFilled(
        order_id="o1", client_id="C1", trade_no="T1", instrument=SBIN, side=Side.BUY,
        trade_type=TradeType.INTRADAY, quantity=1, price=Decimal("800"), filled_quantity=1,
        leaves_quantity=0, traded_at=datetime.now(UTC), **ENVELOPE,
    )  # fmt: skip
    changes = order_changes([submitted, accepted, filled])
    assert [(c.order_id, c.open, c.token) for c in changes] == [
        ("o1", True, 3045),
        ("o1", False, None),
    ]


def test_position_changes_open_only_when_active_with_quantity() -> None:
    def position(net: int, status: str) -> PositionChanged:
        return PositionChanged(
            client_id="C1", position_id=f"p{net}", token=3045, exchange=NSE,
            trade_type=TradeType.DELIVERY, net_quantity=net, average_price=Decimal("800"),
            buy_quantity=max(net, 0), buy_value=Decimal(0), sell_quantity=0,
            sell_value=Decimal(0), realized_pnl=Decimal(0), unrealized_pnl=Decimal(0),
            status=status, **ENVELOPE,  # type: ignore[arg-type]
        )  # fmt: skip

    changes = position_changes([position(5, "ACTIVE"), position(0, "CLOSED")])
    assert [(c.position_id, c.open) for c in changes] == [("p5", True), ("p0", False)]


def test_watch_members_token_or_exchange_token() -> None:
    assert parse_member("2885") == (None, 2885)
    assert parse_member("BSE:500325") == (BSE, 500325)
    assert parse_member("bse:500325") == (BSE, 500325)
    assert parse_member("XYZ:1") is None
    assert parse_member("abc") is None
