"""Gateway side of orders: whole-batch validation, idempotency fingerprints, the live hub."""

import asyncio
import json
from datetime import timedelta
from decimal import Decimal

from common.contracts.accounts import RiskLimits
from common.contracts.instruments import Instrument
from common.contracts.order_events import OrderAccepted, OrderFilled, OrderSubmitted
from common.contracts.order_updates import OrderUpdated
from common.enums import Exchange, ExecutionType, OrderStatus, OrderType, TradeType
from factories import NOW, make
from gateway.clients.store_clients import ClientRecord
from gateway.idempotency import request_hash
from gateway.live import Hub, Outbox
from gateway.order_feed import BatchBook, OrderFeed
from gateway.order_validation import Entry, check_batch, check_terms, normalised_prices

NIFTY = Instrument(
    token=62151, exchange=Exchange.NSEFO, symbol="NIFTY26DECFUT", lot_size=5,
    tick_size=Decimal("0.05"),
)  # fmt: skip


def client(client_id: str, active: bool = True) -> ClientRecord:
    return ClientRecord(
        client_id=client_id,
        name=client_id,
        active=active,
        motilal_client_id=client_id,
        exchanges=(Exchange.NSE,),
        trade_types=tuple(TradeType),
        limits=RiskLimits(),
    )


CLIENTS = {"A": client("A"), "B": client("B"), "OFF": client("OFF", active=False)}


def test_batch_validation_reports_every_bad_entry_by_index() -> None:
    entries = [
        Entry("A", 10),
        Entry("NOPE", 5),
        Entry("OFF", 5),
        Entry("B", 7),
        Entry("C", 0),
        Entry("A", 5),
    ]
    problems = check_batch(entries, ExecutionType.BUY, CLIENTS, NIFTY)
    assert [(p["loc"], p["msg"]) for p in problems] == [
        (["body", "client_orders", 1, "client_id"], "client NOPE is not registered"),
        (
            ["body", "client_orders", 2, "client_id"],
            "client OFF is inactive; activate it before trading",
        ),
        (
            ["body", "client_orders", 3, "quantity"],
            "quantity 7 is not a multiple of lot size 5 for NIFTY26DECFUT",
        ),
        (
            ["body", "client_orders", 5, "client_id"],
            "client A appears twice (entries 0 and 5); give each client one quantity",
        ),
    ]


def test_batch_validation_zero_quantity_skips_unknown_client() -> None:
    assert check_batch([Entry("A", 5), Entry("GONE", 0)], ExecutionType.BUY, CLIENTS, NIFTY) == []


def test_batch_validation_all_zero_is_refused() -> None:
    problems = check_batch([Entry("A", 0)], ExecutionType.BUY, CLIENTS, NIFTY)
    assert problems[0]["msg"] == "every quantity is 0: nothing to place"


def test_batch_validation_exit_without_quantity_is_whole_position() -> None:
    assert check_batch([Entry("A", None)], ExecutionType.EXIT, CLIENTS, NIFTY) == []
    problems = check_batch([Entry("A", None)], ExecutionType.BUY, CLIENTS, NIFTY)
    assert problems[0]["msg"] == "quantity is required for a BUY order"


def test_terms_validation_limit_needs_price_on_tick() -> None:
    missing = check_terms(OrderType.LIMIT, normalised_prices(None, None), NIFTY)
    assert [p["msg"] for p in missing] == ["price is required for a LIMIT order"]
    prices = normalised_prices(Decimal("100.02"), Decimal("99"))
    off_tick = check_terms(OrderType.STOPLOSS, prices, NIFTY)
    assert [p["loc"] for p in off_tick] == [["body", "price"]]
    market_zero = check_terms(OrderType.MARKET, normalised_prices(Decimal(0), None), NIFTY)
    assert market_zero == []


def test_idempotency_fingerprint_differs_by_body_not_by_key_order() -> None:
    assert request_hash("POST", "/x", {"a": 1, "b": 2}) == request_hash(
        "POST", "/x", {"b": 2, "a": 1}
    )
    assert request_hash("POST", "/x", {"a": 1}) != request_hash("POST", "/x", {"a": 2})


async def test_hub_slow_socket_gets_latest_per_key_and_others_are_not_held() -> None:
    hub = Hub()
    hub.add_kind("orders", "test")
    slow, fast = Outbox(), Outbox()
    await hub.subscribe(slow, "orders:A")
    await hub.subscribe(fast, "orders:A")
    for n in range(100):
        hub.publish("orders:A", "o1", {"n": n})
        assert [json.loads(f) for f in await asyncio.wait_for(fast.take(), 1)] == [{"n": n}]
    hub.publish("orders:A", "o2", {"n": "other"})
    assert [json.loads(f) for f in await slow.take()] == [{"n": 99}, {"n": "other"}]


async def test_hub_one_message_is_the_same_text_frame_for_every_subscriber() -> None:
    hub = Hub()
    hub.add_kind("quotes", "test")
    outboxes = [Outbox() for _ in range(3)]
    for outbox in outboxes:
        await hub.subscribe(outbox, "quotes:1")
    assert hub.publish("quotes:1", "", {"ltp": "10.5"}) == 3
    frames = [(await o.take())[0] for o in outboxes]
    assert json.loads(frames[0]) == {"ltp": "10.5"}
    assert frames[1] is frames[0] and frames[2] is frames[0]  # encoded once, shared
    assert hub.publish("quotes:2", "", {"ltp": "1"}) == 0


def test_hub_unknown_channel_kind_is_named() -> None:
    hub = Hub()
    hub.add_kind("orders", "test")
    assert hub.check_channel("orders:A") is None
    assert "unknown channel kind 'quotes'" in (hub.check_channel("quotes:1") or "")
    assert "must look like" in (hub.check_channel("orders") or "")


def updated(event: object, status: OrderStatus, seconds: int) -> OrderUpdated:
    return make(
        OrderUpdated, event=event, status=status, batch_id="b1",
        updated_at=NOW + timedelta(seconds=seconds),
    )  # fmt: skip


def test_live_status_is_the_routers_and_an_older_update_does_not_replace_a_newer() -> None:
    book = BatchBook()
    accepted = make(OrderAccepted, order_id="o1")
    filled = make(OrderFilled, order_id="o1")
    assert book.update(updated(filled, OrderStatus.PARTIALLY_FILLED, 2)) is (
        OrderStatus.PARTIALLY_FILLED
    )
    # the broker's ack, applied before the fill, arrives after it: the fill's status stays
    assert book.update(updated(accepted, OrderStatus.ACCEPTED, 1)) is OrderStatus.PARTIALLY_FILLED
    book.seed("b1", {"o1": OrderStatus.SUBMITTED, "o2": OrderStatus.DENIED})
    assert book.counts("b1") == {"DENIED": 1, "PARTIALLY_FILLED": 1}


async def test_order_feed_pushes_batch_counts_to_batch_subscribers() -> None:
    hub = Hub()
    hub.add_kind("orders", "test")
    hub.add_kind("batch", "test")
    feed = OrderFeed(hub)
    outbox = Outbox()
    await hub.subscribe(outbox, "batch:b1")
    feed.push(updated(make(OrderSubmitted, order_id="o1", batch_id="b1"), OrderStatus.SUBMITTED, 0))
    feed.push(updated(make(OrderFilled, order_id="o1"), OrderStatus.FILLED, 1))
    messages = [json.loads(frame) for frame in await outbox.take()]
    orders = [m["data"] for m in messages if m["type"] == "order"]
    assert orders[-1]["status"] == "FILLED" and orders[-1]["trade_no"]
    summary = [m for m in messages if m["type"] == "batch"]
    assert summary[-1]["data"]["counts"] == {"FILLED": 1}
    assert BatchBook().counts("none") == {}
