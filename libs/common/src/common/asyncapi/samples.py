"""One realistic example of every message type, as it looks on the wire (pure, no I/O).

Each is validated by its pydantic model when built, so a sample that no longer fits the
code fails the generator; the contract tests validate them against the JSON Schemas too.
"""

from typing import Any

from common.contracts.envelope import Message
from common.topics import ORDER_EVENTS

_AT = "2026-11-30T04:05:06.123456Z"  # 09:35:06 IST
_ENVELOPE = {
    "event_id": "01JDZQ7W9X3K5M8N2P4R6T8V0B",
    "schema_version": 1,
    "occurred_at": _AT,
    "correlation_id": "01JDZQ7T2B4D6F8H0J2K4M6N8P",
    "causation_id": None,
    "actor": "dealer.asha",
}
_RELIANCE = {
    "token": 2885,
    "exchange": "NSE",
    "symbol": "RELIANCE",
    "lot_size": 1,
    "tick_size": "0.05",
}
_TERMS = {
    "token_id": 2885,
    "exchange": "NSE",
    "execution_type": "BUY",
    "order_type": "LIMIT",
    "trade_type": "INTRADAY",
    "price": "1285.50",
}
_SENT = {
    "instrument": _RELIANCE,
    "side": "BUY",
    "order_type": "LIMIT",
    "trade_type": "INTRADAY",
    "quantity": 10,
    "price": "1285.50",
}
"""The sample order's terms as the router sends them: the place command and the submitted
event carry the same (order_router.messages.order_terms)."""
_ORDER = {"order_id": "01JDZQ7V0C2E4G6J8L0N2Q4S6U", "client_id": "AB1234"}
_BATCH = {"batch_id": "01JDZQ7T2B4D6F8H0J2K4M6N8P"}
_FILL = {
    **_ORDER,
    "trade_no": "50012345",
    "instrument": _RELIANCE,
    "side": "BUY",
    "trade_type": "INTRADAY",
    "price": "1285.45",
    "traded_at": _AT,
}
_FIELDS: dict[str, dict[str, Any]] = {
    "batch.requested": {
        **_BATCH,
        "terms": _TERMS,
        "orders": [
            {**_ORDER, "quantity": 10},
            {"order_id": "01JDZQ7V0C", "client_id": "CD5678", "quantity": 25},
        ],
    },
    "order.requested": {**_BATCH, "order": {**_ORDER, "quantity": 10}, "terms": _TERMS},
    "basket.requested": {
        **_BATCH,
        "legs": [
            {
                "terms": {**_TERMS, "token_id": 62161, "exchange": "NSEFO", "price": "40.80"},
                "orders": [{**_ORDER, "quantity": 65}],
            },
            {
                "terms": {
                    **_TERMS,
                    "token_id": 62160,
                    "exchange": "NSEFO",
                    "execution_type": "SELL",
                    "price": "588.00",
                },
                "orders": [{"order_id": "01JDZQ7V0D", "client_id": "AB1234", "quantity": 65}],
            },
        ],
        "stop_on_first_leg_rejection": True,
    },
    "order.modify_requested": {**_ORDER, "order_type": "LIMIT", "price": "1284.00"},
    "order.cancel_requested": _ORDER,
    "trade.exit_requested": {
        **_BATCH,
        **_ORDER,
        "position_id": "01JDZQ9A1B",
        "token_id": 2885,
        "exchange": "NSE",
        "trade_type": "INTRADAY",
    },
    "trade.exit_by_token_requested": {
        **_BATCH,
        "token_id": 2885,
        "exchange": "NSE",
        "trade_type": None,
        "orders": [{**_ORDER, "trade_type": "INTRADAY"}],
    },
    "killswitch.requested": {"client_id": None, "engaged": True, "reason": "exchange halt"},
    "command.place": {**_ORDER, **_SENT},
    "command.modify": {
        **_ORDER,
        "instrument": _RELIANCE,
        "order_type": "LIMIT",
        "quantity": 10,
        "price": "1284.00",
    },
    "command.cancel": _ORDER,
    "order.submitted": {**_ORDER, **_BATCH, **_SENT},
    "order.denied": {
        **_ORDER,
        **_BATCH,
        "rule": "max_order_value",
        "reason": "order value 1285500.00 is above the client's limit 1000000.00",
    },
    "order.accepted": {
        **_ORDER,
        "broker_order_id": "1100000012345678",
        "sent_order_type": "LIMIT",
        "sent_price": "1285.50",
    },
    "order.rejected": {**_ORDER, "error_code": "MO5017", "reason": "Insufficient margin"},
    "order.partially_filled": {
        **_FILL,
        "quantity": 4,
        "filled_quantity": 4,
        "leaves_quantity": 6,
    },
    "order.filled": {**_FILL, "quantity": 6, "filled_quantity": 10, "leaves_quantity": 0},
    "order.canceled": {**_ORDER, "filled_quantity": 4, "reason": "canceled by dealer.asha"},
    "order.modified": {**_ORDER, "order_type": "LIMIT", "quantity": 10, "price": "1284.00"},
    "order.change_rejected": {
        **_ORDER,
        "change": "cancel",
        "error_code": "MO1044",
        "reason": "Order is already filled",
    },
    "order.expired": {**_ORDER, "filled_quantity": 0},
    "quote": {
        "token": 2885,
        "exchange": "NSE",
        "ltp": "1285.45",
        "bid": "1285.40",
        "ask": "1285.50",
        "volume": 4123400,
        "open": "1279.00",
        "high": "1290.10",
        "low": "1276.35",
        "close": "1280.20",
        "quoted_at": _AT,
    },
    "position.changed": {
        "client_id": "AB1234",
        "position_id": "01JDZQ9A1B",
        "token": 2885,
        "exchange": "NSE",
        "trade_type": "INTRADAY",
        "net_quantity": 10,
        "average_price": "1285.45",
        "buy_quantity": 10,
        "buy_value": "12854.50",
        "sell_quantity": 0,
        "sell_value": "0",
        "realized_pnl": "0",
        "unrealized_pnl": "1.50",
        "last_price": "1285.60",
        "status": "ACTIVE",
    },
    "pnl.changed": {
        "client_id": "AB1234",
        "realized_pnl": "412.75",
        "unrealized_pnl": "1.50",
        "total_pnl": "414.25",
        "realized_pnl_today": "412.75",
        "trading_date": "2026-11-30",
    },
    "margin.changed": {
        "client_id": "AB1234",
        "available_cash": "250000.00",
        "collateral": "50000.00",
        "margin_used": "12854.50",
        "margin_available": "287145.50",
        "mtm": "1.50",
        "booked_pnl": "412.75",
    },
    "client.upserted": {
        "client_id": "AB1234",
        "motilal_client_id": "AB1234",
        "name": "Asha Investments",
        "active": True,
        "exchanges": ["NSE", "BSE"],
        "trade_types": ["INTRADAY", "DELIVERY"],
        "limits": {"max_order_quantity": 5000, "max_order_value": "1000000.00"},
        "groups": ["desk-a"],
        "sealed_credentials": "c2VhbGVkIGJveCwgb3BlbmVkIG9ubHkgYnkgdGhlIGJyb2tlci1hZGFwdGVy",
    },
    "dealer.upserted": {
        "dealer_id": "DESK1",
        "motilal_client_id": "DLR0001",
        "name": "Desk One Dealer",
        "active": True,
        "sealed_credentials": "c2VhbGVkIGJveCwgb3BlbmVkIG9ubHkgYnkgdGhlIGJyb2tlci1hZGFwdGVy",
    },
    "risk.flatten_requested": {
        **_BATCH,
        "rule": "mtm_limit",
        "scope": "AB1234",
        "client_ids": ["AB1234"],
        "trading_date": "2026-11-30",
        "reason": "MTM stop loss hit for client AB1234: day MTM -5012.50 at or below -5000",
    },
    "alert.raised": {
        "kind": "mtm_limit",
        "severity": "critical",
        "scope": "AB1234",
        "client_id": "AB1234",
        "client_ids": ["AB1234"],
        "title": "MTM stop loss hit for client AB1234",
        "detail": "2 position(s) being exited, 1 working order(s) canceled; new orders are "
        "denied (mtm_limit) for the rest of 2026-11-30 unless an admin lifts the block.",
    },
    "session.changed": {"client_id": "AB1234", "state": "ACTIVE", "expires_at": _AT},
    "margin.snapshot": {
        "client_id": "AB1234",
        "report": "summary",
        "rows": [{"srno": 1, "particulars": "Total Available Margin", "amount": "287145.50"}],
        "taken_at": _AT,
    },
    "positions.snapshot": {
        "client_id": "AB1234",
        "positions": [
            {
                "token": 2885,
                "exchange": "NSE",
                "product": "VALUEPLUS",
                "buy_quantity": 10,
                "sell_quantity": 0,
                "buy_amount": "12854.50",
                "sell_amount": "0",
                "last_price": "1285.60",
                "mtm": "1.50",
            }
        ],
        "taken_at": _AT,
    },
}


def sample(model: type[Message], type_: str) -> dict[str, Any]:
    """The wire JSON of one example `model` message (KeyError: a type without a sample)."""
    if type_ == "order.updated":
        event = sample_event("order.partially_filled")
        fields: dict[str, Any] = {
            **_ORDER,
            **_BATCH,
            "status": "PARTIALLY_FILLED",
            "quantity": 10,
            "filled_quantity": 4,
            "updated_at": _AT,
            "event": event,
        }
    else:
        fields = _FIELDS[type_]
    message = model.model_validate({**_ENVELOPE, "type": type_, **fields})
    wire: dict[str, Any] = message.model_dump(mode="json")
    return wire


def sample_event(type_: str) -> dict[str, Any]:
    raw = {**_ENVELOPE, "type": type_, **_FIELDS[type_]}
    event: dict[str, Any] = ORDER_EVENTS.adapter.validate_python(raw).model_dump(mode="json")
    return event
