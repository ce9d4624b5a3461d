"""An after-market order asked for at the gateway (`amo: true`) stays an AMO all the way to
Motilal's place request (the client sends amoorder Y), and passes the market-hours rule when
the market is shut; a regular order stays regular."""

from decimal import Decimal

import pytest
from broker_adapter.execution.executor import _new_intent, _order_request
from broker_adapter.execution.protection import SentTerms
from common.contracts.commands import PlaceOrder
from common.contracts.requests import OrderRequested
from common.enums import OrderType
from factories import LIMIT_TERMS, RELIANCE, make
from gateway.order_models import PlaceOrderIn
from order_router.messages import place_command
from order_router.orders import Order
from order_router.placement import new_order as _new_order
from order_router.placement import order_request as parse_request
from order_router.transitions import Ev
from pydantic import ValidationError

SENT = SentTerms(OrderType.LIMIT, Decimal("2500.05"), Decimal(0), protected=False)
BODY = {"client_id": "c1", "token_id": 2885, "execution_type": "BUY", "order_type": "LIMIT",
        "trade_type": "DELIVERY", "quantity": 1, "price": "1400"}  # fmt: skip


def routed(request: OrderRequested) -> Order:
    parsed = parse_request(request)
    assert parsed is not None
    return _new_order(parsed, request.order, RELIANCE).to(Ev.SUBMIT)


def test_amo_gateway_body_takes_amo_and_defaults_to_a_regular_order() -> None:
    assert PlaceOrderIn.model_validate(BODY).amo is False
    assert PlaceOrderIn.model_validate({**BODY, "amo": True}).amo is True
    with pytest.raises(ValidationError, match="amo"):
        PlaceOrderIn.model_validate({**BODY, "amo": "sometimes"})


def test_amo_request_becomes_an_amo_order_and_place_command() -> None:
    request = make(OrderRequested, terms=LIMIT_TERMS.model_copy(update={"amo": True}))
    order = routed(request)
    assert order.amo is True and order.as_json()["amo"] is True
    assert place_command(order, request).amo is True


def test_amo_regular_request_stays_regular() -> None:
    request = make(OrderRequested)
    assert place_command(routed(request), request).amo is False


def test_amo_command_reaches_motilals_place_request() -> None:
    intent = _new_intent(make(PlaceOrder, amo=True), SENT, "NORMAL")
    assert intent.amo is True
    assert _order_request(intent).amo is True
    assert _order_request(_new_intent(make(PlaceOrder), SENT, "NORMAL")).amo is False


def test_amo_command_on_the_wire_keeps_the_flag() -> None:
    command = make(PlaceOrder, amo=True)
    assert PlaceOrder.model_validate_json(command.model_dump_json()).amo is True
