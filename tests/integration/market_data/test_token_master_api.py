"""The token master as the order-router and gateway use it: a real market-data process."""

from datetime import UTC, datetime
from decimal import Decimal

import httpx
import pytest
from common.contracts.instruments import InstrumentDetails
from common.contracts.quotes import Quote
from common.enums import Exchange
from common.redis_keys import quote_key
from redis.asyncio import Redis
from stack.testing import TestStack


@pytest.fixture(scope="module")
async def market_data(stack: TestStack) -> str:
    await stack.start_simulator()
    urls = await stack.start_services(["market-data"])
    return urls["market-data"]


async def test_instrument_known_token_returns_details(market_data: str, stack: TestStack) -> None:
    async with httpx.AsyncClient(base_url=market_data, headers=stack.internal_headers()) as http:
        response = await http.get("/internal/instruments/2885")
    assert response.status_code == 200
    details = InstrumentDetails.model_validate(response.json())
    assert (details.symbol, details.exchange, details.lot_size) == ("RELIANCE", Exchange.NSE, 1)
    assert details.tick_size == Decimal("0.05")
    assert details.tradeable is True
    assert details.lower_circuit is not None and details.upper_circuit is not None


async def test_instrument_index_row_is_not_tradeable(market_data: str, stack: TestStack) -> None:
    async with httpx.AsyncClient(base_url=market_data, headers=stack.internal_headers()) as http:
        response = await http.get("/internal/instruments/26000", params={"exchange": "NSE"})
    assert response.status_code == 200
    assert response.json()["tradeable"] is False
    assert response.json()["instrument_type"] == "INDEX"


async def test_instrument_unknown_token_is_404_naming_it(
    market_data: str, stack: TestStack
) -> None:
    async with httpx.AsyncClient(base_url=market_data, headers=stack.internal_headers()) as http:
        response = await http.get("/internal/instruments/987654")
        wrong_exchange = await http.get("/internal/instruments/2885", params={"exchange": "BSE"})
    assert response.status_code == 404
    assert response.json() == {"detail": "unknown token 987654"}
    assert wrong_exchange.status_code == 404
    assert wrong_exchange.json() == {"detail": "unknown token 2885 on BSE"}


async def test_instruments_many_tokens_returns_each_found(
    market_data: str, stack: TestStack
) -> None:
    async with httpx.AsyncClient(base_url=market_data, headers=stack.internal_headers()) as http:
        response = await http.get("/internal/instruments", params={"tokens": "500325,2885,987654"})
        bad = await http.get("/internal/instruments", params={"tokens": "2885,abc"})
    assert response.status_code == 200
    assert [(i["symbol"], i["exchange"]) for i in response.json()] == [
        ("RELIANCE", "BSE"),
        ("RELIANCE", "NSE"),
    ]
    assert bad.status_code == 422
    assert "'abc'" in bad.json()["detail"][0]["msg"]


async def test_quote_latest_in_redis_is_served(market_data: str, stack: TestStack) -> None:
    token = 424242  # not in the master: the feed never writes it
    redis = Redis.from_url(stack.redis_url, decode_responses=True)
    quote = Quote(
        token=token,
        exchange=Exchange.NSE,
        ltp=Decimal("960.15"),
        quoted_at=datetime.now(UTC),
        correlation_id="test",
        actor="test",
    )
    try:
        await redis.set(quote_key(Exchange.NSE, token), quote.model_dump_json())
        async with httpx.AsyncClient(
            base_url=market_data, headers=stack.internal_headers()
        ) as http:
            response = await http.get(f"/internal/quotes/{token}", params={"exchange": "NSE"})
            missing = await http.get("/internal/quotes/987655")
    finally:
        await redis.aclose()
    assert response.status_code == 200
    assert Quote.model_validate(response.json()).ltp == Decimal("960.15")
    assert missing.status_code == 404
