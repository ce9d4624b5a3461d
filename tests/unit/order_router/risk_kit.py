"""Risk-check inputs for the router's unit tests: an order and the facts it is checked with."""

from decimal import Decimal
from typing import Any

from common.contracts.instruments import Instrument
from common.enums import ExecutionType, OrderType, SessionState, Side, TradeType
from order_router.risk import BrokerSession, ClientState, KillSwitch, OrderIntent, RiskContext


def order_intent(instrument: Instrument, price: Decimal, **overrides: Any) -> OrderIntent:
    """A LIMIT buy of 10 of `instrument` at `price` for client c1, intraday unless overridden."""
    fields: dict[str, Any] = {
        "client_id": "c1",
        "instrument": instrument,
        "execution_type": ExecutionType.BUY,
        "side": Side.BUY,
        "order_type": OrderType.LIMIT,
        "trade_type": TradeType.INTRADAY,
        "quantity": 10,
        "price": price,
    }
    return OrderIntent(**(fields | overrides))


def risk_context(client: ClientState, ltp: Decimal) -> RiskContext:
    """The facts of a client free to trade: an ACTIVE session, no kill switch, ample margin."""
    return RiskContext(
        client=client,
        session=BrokerSession(SessionState.ACTIVE),
        kill_switch=KillSwitch(),
        ltp=ltp,
        available_margin=Decimal("1000000"),
    )
