"""Shared factories: one valid example of every contract message, with overrides.

Tests build messages through `make(Type, **overrides)` instead of ad-hoc dicts, so a
contract change is fixed in one place; the broker adapter's order intents likewise through
`make_intent(order_id, **overrides)`.
"""

from datetime import UTC, datetime
from decimal import Decimal
from typing import Any, TypeVar

from broker_adapter.execution.intents import Intent, IntentState
from broker_adapter.execution.protection import SentTerms
from common.contracts.accounts import (
    BrokerPosition,
    BrokerPositionsSnapshot,
    ClientUpserted,
    DealerUpserted,
    MarginRow,
    MarginSnapshot,
    RiskLimits,
    SessionChanged,
)
from common.contracts.alerts import AlertKind, AlertRaised, AlertSeverity
from common.contracts.commands import CancelOrder, ModifyOrder, PlaceOrder
from common.contracts.envelope import Message
from common.contracts.instruments import Instrument
from common.contracts.order_events import (
    OrderAccepted,
    OrderCanceled,
    OrderChangeRejected,
    OrderDenied,
    OrderExpired,
    OrderFilled,
    OrderModified,
    OrderPartiallyFilled,
    OrderRejected,
    OrderSubmitted,
)
from common.contracts.order_updates import OrderUpdated
from common.contracts.portfolio import MarginChanged, PnlChanged, PositionChanged
from common.contracts.quotes import Quote
from common.contracts.requests import (
    BasketLeg,
    BasketRequested,
    BatchRequested,
    CancelRequested,
    ClientOrder,
    ExitByTokenRequested,
    ExitTradeRequested,
    FlattenRequested,
    KillSwitchRequested,
    ModifyRequested,
    OrderRequested,
    OrderTerms,
)
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, Side, TradeType

M = TypeVar("M", bound=Message)

NOW = datetime(2026, 11, 23, 4, 0, tzinfo=UTC)
RELIANCE = Instrument(
    token=2885, exchange=Exchange.NSE, symbol="RELIANCE", lot_size=1, tick_size=Decimal("0.05")
)
ENVELOPE: dict[str, Any] = {"correlation_id": "batch-1", "actor": "trader1"}
LIMIT_TERMS = OrderTerms(
    token_id=2885,
    execution_type=ExecutionType.BUY,
    order_type=OrderType.LIMIT,
    trade_type=TradeType.INTRADAY,
    price=Decimal("2500.05"),
)
_FILL: dict[str, Any] = {
    "order_id": "o1",
    "client_id": "c1",
    "trade_no": "T1",
    "instrument": RELIANCE,
    "side": Side.BUY,
    "trade_type": TradeType.INTRADAY,
    "quantity": 10,
    "price": Decimal("2500.05"),
    "filled_quantity": 10,
    "leaves_quantity": 0,
    "traded_at": NOW,
}
_POSITION_MONEY = {
    "average_price": Decimal("2500"),
    "buy_value": Decimal("25000"),
    "sell_value": Decimal("0"),
    "realized_pnl": Decimal("0"),
    "unrealized_pnl": Decimal("10.5"),
}

EXAMPLES: dict[type[Message], dict[str, Any]] = {
    BatchRequested: {
        "batch_id": "b1",
        "terms": LIMIT_TERMS,
        "orders": (ClientOrder(order_id="o1", client_id="c1", quantity=10),),
    },
    OrderRequested: {
        "batch_id": "b1",
        "order": ClientOrder(order_id="o1", client_id="c1", quantity=10),
        "terms": LIMIT_TERMS,
    },
    BasketRequested: {
        "batch_id": "b1",
        "legs": (
            BasketLeg(
                terms=LIMIT_TERMS, orders=(ClientOrder(order_id="o1", client_id="c1", quantity=10),)
            ),
        ),
    },
    ModifyRequested: {"order_id": "o1", "client_id": "c1", "price": Decimal("2490")},
    CancelRequested: {"order_id": "o1", "client_id": "c1"},
    ExitTradeRequested: {
        "batch_id": "b1",
        "order_id": "o1",
        "client_id": "c1",
        "position_id": "p1",
        "token_id": 2885,
        "exchange": Exchange.NSE,
        "trade_type": TradeType.INTRADAY,
    },
    ExitByTokenRequested: {
        "batch_id": "b1",
        "token_id": 2885,
        "exchange": Exchange.NSE,
        "orders": (ClientOrder(order_id="o1", client_id="c1"),),
    },
    KillSwitchRequested: {"engaged": True, "reason": "runaway algo"},
    FlattenRequested: {
        "batch_id": "b1",
        "rule": "mtm_limit",
        "scope": "c1",
        "client_ids": ("c1",),
        "trading_date": NOW.date(),
        "reason": "MTM -5000.00 reached the stop loss of 5000.00",
    },
    AlertRaised: {
        "kind": AlertKind.MTM_LIMIT,
        "severity": AlertSeverity.CRITICAL,
        "scope": "c1",
        "client_id": "c1",
        "client_ids": ("c1",),
        "title": "MTM stop loss hit for c1",
    },
    PlaceOrder: {
        "order_id": "o1",
        "client_id": "c1",
        "instrument": RELIANCE,
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "trade_type": TradeType.INTRADAY,
        "quantity": 10,
        "price": Decimal("2500.05"),
    },
    ModifyOrder: {
        "order_id": "o1",
        "client_id": "c1",
        "instrument": RELIANCE,
        "order_type": OrderType.LIMIT,
        "quantity": 5,
        "price": Decimal("2499.95"),
    },
    CancelOrder: {"order_id": "o1", "client_id": "c1"},
    OrderSubmitted: {
        "order_id": "o1",
        "client_id": "c1",
        "batch_id": "b1",
        "instrument": RELIANCE,
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "trade_type": TradeType.INTRADAY,
        "quantity": 10,
        "price": Decimal("2500.05"),
    },
    OrderDenied: {
        "order_id": "o1",
        "client_id": "c1",
        "batch_id": "b1",
        "rule": "max_quantity",
        "reason": "quantity 5000 is over the client's limit of 1000 shares",
    },
    OrderAccepted: {
        "order_id": "o1",
        "client_id": "c1",
        "broker_order_id": "1300000001",
        "sent_order_type": OrderType.LIMIT,
        "sent_price": Decimal("2512.55"),
        "protected": True,
    },
    OrderRejected: {
        "order_id": "o1",
        "client_id": "c1",
        "error_code": "MO1059",
        "reason": "Quantity should be multiple of market lot",
    },
    OrderPartiallyFilled: {**_FILL, "quantity": 4, "filled_quantity": 4, "leaves_quantity": 6},
    OrderFilled: _FILL,
    OrderCanceled: {"order_id": "o1", "client_id": "c1", "filled_quantity": 4},
    OrderModified: {
        "order_id": "o1",
        "client_id": "c1",
        "order_type": OrderType.LIMIT,
        "quantity": 10,
        "price": Decimal("2490"),
    },
    OrderChangeRejected: {
        "order_id": "o1",
        "client_id": "c1",
        "change": "cancel",
        "error_code": "MO1067",
        "reason": "Order already traded",
    },
    OrderExpired: {"order_id": "o1", "client_id": "c1", "filled_quantity": 0},
    OrderUpdated: {
        "order_id": "o1",
        "client_id": "c1",
        "batch_id": "batch-1",
        "status": OrderStatus.CANCELED,
        "quantity": 10,
        "filled_quantity": 0,
        "updated_at": NOW,
        "event": OrderCanceled(
            correlation_id="batch-1",
            actor="adapter",
            order_id="o1",
            client_id="c1",
            filled_quantity=0,
        ),
    },
    Quote: {
        "token": 2885,
        "exchange": Exchange.NSE,
        "ltp": Decimal("2501.35"),
        "bid": Decimal("2501.30"),
        "ask": Decimal("2501.40"),
        "volume": 1200345,
        "quoted_at": NOW,
    },
    PositionChanged: {
        "client_id": "c1",
        "position_id": "p1",
        "token": 2885,
        "exchange": Exchange.NSE,
        "trade_type": TradeType.INTRADAY,
        "net_quantity": 10,
        "buy_quantity": 10,
        "sell_quantity": 0,
        "status": "ACTIVE",
        **_POSITION_MONEY,
    },
    PnlChanged: {
        "client_id": "c1",
        "realized_pnl": Decimal("0"),
        "unrealized_pnl": Decimal("10.5"),
        "total_pnl": Decimal("10.5"),
    },
    MarginChanged: {
        "client_id": "c1",
        "available_cash": Decimal("100000"),
        "collateral": Decimal("0"),
        "margin_used": Decimal("5000"),
        "margin_available": Decimal("95000"),
        "mtm": Decimal("0"),
        "booked_pnl": Decimal("0"),
    },
    ClientUpserted: {
        "client_id": "c1",
        "motilal_client_id": "AB1234",
        "name": "Asha Rao",
        "active": True,
        "exchanges": (Exchange.NSE, Exchange.BSE),
        "trade_types": (TradeType.INTRADAY, TradeType.DELIVERY),
        "limits": RiskLimits(max_order_quantity=1000),
        "sealed_credentials": "c2VhbGVk",
    },
    DealerUpserted: {
        "dealer_id": "desk1",
        "motilal_client_id": "DLR0001",
        "name": "Desk One Dealer",
        "sealed_credentials": "c2VhbGVk",
    },
    SessionChanged: {"client_id": "c1", "state": "FAILED", "error_code": "MO1000"},
    MarginSnapshot: {
        "client_id": "c1",
        "report": "summary",
        "rows": (MarginRow(srno=102, particulars="Total Available Margin for Cash", amount=10),),
        "taken_at": NOW,
    },
    BrokerPositionsSnapshot: {
        "client_id": "c1",
        "positions": (
            BrokerPosition(
                token=2885,
                exchange=Exchange.NSE,
                product="VALUEPLUS",
                buy_quantity=10,
                sell_quantity=0,
                buy_amount=Decimal("25000"),
                sell_amount=Decimal("0"),
            ),
        ),
        "taken_at": NOW,
    },
}


def make(message_type: type[M], **overrides: Any) -> M:
    """A valid `message_type` with the example values, overridden where given."""
    return message_type(**{**ENVELOPE, **EXAMPLES[message_type], **overrides})


SBIN = Instrument(
    token=3045, exchange=Exchange.NSE, symbol="SBIN", lot_size=1, tick_size=Decimal("0.05")
)
_INTENT: dict[str, Any] = {
    "client_id": "C1",
    "state": IntentState.INTENT,
    "instrument": SBIN,
    "side": Side.BUY,
    "trade_type": TradeType.INTRADAY,
    "product": "VALUEPLUS",
    "order_type": OrderType.LIMIT,
    "quantity": 10,
    "price": Decimal("800"),
    "trigger_price": None,
    "sent": SentTerms(OrderType.LIMIT, Decimal("800"), Decimal(0), protected=False),
    "broker_order_id": None,
    "broker_status": None,
    "filled_quantity": 0,
    "terminal_event": None,
    "correlation_id": "b1",
    "causation_id": "c1",
    "actor": "test",
    "place_attempts": 1,
}


def make_intent(order_id: str = "o1", **overrides: Any) -> Intent:
    """The adapter's record of a LIMIT buy of 10 SBIN at 800 for C1, not yet sent (tag
    `T<order_id>`), overridden where given."""
    return Intent(**{**_INTENT, "order_id": order_id, "tag": f"T{order_id}", **overrides})
